def f():
    yield from x
async def g():
    yield from x
