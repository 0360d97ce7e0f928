"""Expressions: operators, folding, calls, displays, comprehensions, f-strings."""
import math
a = 1 + 2 * 3 - 4 / 5 // 6 % 7 ** 2 << 1 >> 1 & 3 | 4 ^ 5
b = -1, +2, ~3, not 4, --5, 2 ** -1, 2 ** 100, 2 ** 200, 10 ** 30, 1 << 200
c = "ab" * 3, "x" * 5000, (1, 2) * 3, (1,) * 300, b"ab" + b"cd", (1, 2) + (3,)
d = 1.5 + 2j, 1e300 * 1e10, -0.0, 0.0, 1 / 3, 7 // -2, -7 % 3, 7.5 % -2, 2.0 ** 0.5
e = "abc"[1], (1, 2, 3)[-1], b"xyz"[0], "abc"[5] if a else None
f = x if a else y
g = a and b or c and not d
h = 1 < a <= 3 != b is not None in c not in d
i = [1, 2, 3], [a, b], {1, 2, 3}, {a, b}, {1: 2, 3: 4}, {a: b, **c}, {**a}, (), [], {}
j = [*a, *b], (*a, 1), {*a}, [1, 2, 3, *a], (1, *a, 2)
k = print(a, *b, c=1, **d), print(a, b=2), math.sqrt(4), a.b.c(1, x=2), f(*a), f(**b)
l = [x for x in a if x if not x], {x for x in a}, {x: y for x, y in a}, (x for x in a)
m = [x + y for x in a for y in [x] for z in (x,) if z]
n = f"{a}", f"{a!r:>{b}}", f"x{a!s}y{b!a}z{c:.3f}", "%s and %r" % (a, b), "%d" % (a,), "%5s" % (a,)
o = lambda x, y=1, *a, z=2, **k: x + y
p = (q := 10), [r := 1 for _ in a] if False else None
s = a[1:2], a[::2], a[1:2, 3], a[...], a[:, None]
t = x in [1, 2, 3], x in {1, 2}, x not in [a, b], not (a is b), not (a in b), not (a == b)
u = __debug__, None, True, False, ..., 1j, 0x10, 1_000
v = f(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, a1, a2, a3, a4, a5)
w = [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, a1, a2, a3, a4, a5]
x = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11,
     "l": 12, "m": 13, "n": 14, "o": 15, "p": 16, "q": 17, "r": 18}
y = {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13, n: 14,
     o: 15, p: 16, q: 17, r: 18, **z}
z = f(a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9, j=10, k=11, l=12, m=13, n=14, o=15, p=16)
if a if b else c:
    pass
if (a and b) or (c and d):
    pass
while not (a or b):
    pass
obj.method(1, 2).other(
    3,
    key=4,
).attr
t1 = (1, 2, (3, 4), "s")
t2 = (1, 2, (3, 4), "s")
long_string = f"{'a' 'b'}" + "".join(x for x in "abc")
big = 123456789012345678901234567890 + 1
a = 10**30 / 7
b = -(10**40) / 3
c = 2**200 / 3**100
d = (2**53 + 1) / 1
