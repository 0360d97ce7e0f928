e = ValueError()
e.__notes__ = "ab"
raise e
