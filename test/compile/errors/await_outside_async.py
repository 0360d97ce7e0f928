def f():
    x = 1
    await x
