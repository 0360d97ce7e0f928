def boom():
    raise ValueError("bad value")

x = boom() + 1
