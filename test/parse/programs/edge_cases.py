s = {y := 1, 2}
t = {*a, *b}
def f(*args: *tuple[int, ...]): pass
x = a[b:=1]
lambda: (yield)
x = [i async for i in ai] if 0 else 0
print(f"{'a' if x else 'b'}")
x = f'{x!r:^{width}.{prec}}'
with (open(a) as f, open(b) as g,):
    pass
match a:
    case {1: _, **rest} if rest: pass
    case Point(x=0, y=0) | Point(x=1): pass
    case [Point(x=0, y=0), *others]: pass
    case str() | bytes(): pass
del (a), [b], (c, d)
assert (yield_ := 1)
x = not not not x
x = -----x
x = ~~x
x = a if b else lambda: c
x = [lambda: i for i in range(3)]
for x, in y: pass
x, = y
[x] = y
class A(B, **kw): pass
global_ = 1
x = 1 if True else 2 if False else 3
x = (yield_)
x = a @ b
x @= c
print(*a, **b, sep='')
i = j = k = 0
x = {**a}
x = {'a': 1, **b, 'c': 2}
x = a[...]
x = a[:, 1]
x = a[1:2:3]
x = a[::-1]
if x:
    pass
elif y:
    pass
x = 0 if x else 1
async def g():
    async with a as b, c as d: pass
    return [x async for x in y async for z in w if await z]
