def gen():
    yield 1
    raise StopIteration
g = gen()
next(g)
list(g)
