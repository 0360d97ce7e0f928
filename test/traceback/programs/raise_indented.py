def f():
    if True:
        raise KeyError("k")
f()
