class MyError(Exception):
    pass
def check(v):
    if v < 0:
        raise MyError(f"negative: {v}")
check(-5)
