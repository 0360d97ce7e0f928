def f():
    value = 3
    return valeu + 1
f()
