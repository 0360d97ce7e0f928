def f(): pass
def f(a, b): pass
def f(a, b=1, *args, c, d=2, **kwargs): pass
def f(a, /): pass
def f(a, /, b): pass
def f(a=1, /, b=2, *, c): pass
def f(a, b, /, c, *, d, **e): pass
def f(*, a): pass
def f(*args: int, **kwargs: str) -> None: pass
def f(a: int = 1, *, b: 'str' = 'x') -> 'ret': pass
def f(*args: *Ts): pass
def f(a,): pass
def f(a, *b,): pass
def f(
    a,
    b=2,
    *c,
    d,
    **e,
): pass
@decorator
def f(): pass
@a.b.c
@a.b(c, d=e)
@a[0]
@(lambda f: f)
@a or b
@x := y
@f()()
@a.b[0].c(d)
def f(): pass
@dataclass
class C: pass
class C(): pass
class C(A, B, metaclass=M, **kw): pass
class C(*bases): pass
class C:
    x: int = 0
    def m(self): return self
    @property
    def p(self): return 1
    @staticmethod
    async def s(): pass
async def f():
    await x
    await x ** 2
    await x + 1
    x * await a + b
    -await x
    await a.b(c)[d]
    await (a + b)
    [await z for z in w]
    [z async for z in w]
    [z async for z in w if await z]
    {z: z async for z in w}
    (z async for z in w)
    async for a in b:
        pass
    else:
        pass
    async with a as b, c:
        pass
    async with (a as b):
        pass
    return await x
