import a
import a.b.c
import a.b as c, d
from a import b
from a.b import (c as d, e,)
from . import x
from .. import y
from .a import z
from ...a.b import w
from .... import v
from a import *
global g1, g2
def outer():
    v = 1
    def inner():
        nonlocal v
        global g
        v = 2
    return inner
x: int
y: int = 1
(z): int = 2
a.b: str
a[0]: str = 'x'
x = y = z = 0
x += 1; x -= 1; x *= 1; x @= 1; x /= 1; x //= 1; x %= 1; x **= 1
x <<= 1; x >>= 1; x &= 1; x ^= 1; x |= 1;
a.b += 1
a[0] += yield_
del a, b.c, d[0], (e, f), [g]
del a,
assert x, 'message'
assert (x)
raise
raise E
raise E(1) from None
pass; pass
if a:
    pass
elif b:
    pass
elif c: pass
else:
    pass
if a: pass
else: pass; pass;
while x:
    break
else:
    continue
for i in range(3):
    pass
else:
    pass
for a, b in c: pass
for (a, b) in c: pass
for [a, *b] in c: pass
for x in *a, b: pass
x += *a, b
x = *a, b
try:
    pass
except E:
    pass
except (A, B) as e:
    pass
except:
    pass
else:
    pass
finally:
    pass
try:
    pass
finally:
    pass
try:
    pass
except* ValueError as eg:
    pass
except* (TypeError, KeyError):
    pass
with a: pass
with a as b, c as d: pass
with a as (b, c): pass
with a as b.c, d as e[0]: pass
with (a as b, c as d): pass
with (a as b, c as d,): pass
with (a, b): pass
with (a, b) as c: pass
with (a): pass
with (yield_): pass
with (a for a in b): pass
with open(
    f
) as g:
    pass
def f(): return
def f(): return 1, 2
def f(): return *a, b
def f():
    yield
    yield 1
    yield 1, 2
    yield from g()
    x = yield
    x = yield 1
    y = (yield)
    z = [(yield)]
    await_ = 1
