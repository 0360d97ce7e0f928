def f(a, b):
    return a / b

x = 1
f(x, 0)
