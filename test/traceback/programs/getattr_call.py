class C:
    pass
getattr(C(), "nme")
