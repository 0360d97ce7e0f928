def f():
    counter += 1
f()
