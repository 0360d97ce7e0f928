import asyncio


async def main(xs):
    r = [await x for x in xs]
    s = {x: await x async for x in aiter(xs) if await x}
    t = (x async for x in xs)
    async with asyncio.timeout(1):
        try:
            await asyncio.sleep(0)
        finally:
            return r, s, t


def g():
    try:
        yield 1
    except GeneratorExit:
        raise
    finally:
        yield 2
    return (yield)


lam = lambda: (yield)
