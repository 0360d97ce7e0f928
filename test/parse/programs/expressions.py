# Operators, precedence and the positions of parenthesised operands.
x = 1 + 2 * 3 ** -4 // 5 % 6 @ m - ~7
x = (a) + (b)
x = ((a + b)) * c
x = -x ** 2, (-x) ** 2, x ** -y ** z
x = a << b >> c & d ^ e | f
x = not a and b or not c and not not d
x = a and (b or c) and (not d)
x = not a == b, not (a) in b
x = a < b <= c > d >= e == f != g in h not in i is j is not k
x = (a < b) < c
x = a if b else c if d else e
x = (lambda: 0), (lambda a, /, b=1, *c, d, e=2, **f: a), lambda *, k: k, lambda a,: a
x = lambda a, b=(1, 2), /, c=3: (a, b, c)
x = [y := 5, y ** 2], (z := 1), f(w := 2), a[v := 3]
if (n := len(a)) > 10: pass
while chunk := read(): pass
x = [i for i in range(10) if i % 2 if i > 3 for j in range(i)]
x = {k: v for k, v in items}, {s for s in t}, (g for g in h)
x = [(a, b) for a, b in zip(c, d)], [[*a] for a in b]
x = f(a)(b)(c), a.b.c, a[b][c], a.b(c)[d].e
x = f(a, *b, c=1, *d, **e, g=2)
x = f(x for x in y), f((x for x in y)), f(k for k, v in z), g(*[a], **{'b': c})
x = a[1:2, ::3, 4:, :5:6, ...], a[:], a[::], a[b,], a[()], a[(1, 2)]
x = a[*b], a[*b, c], a[c, *b], a[1:2, *c], a[*b,]
x = (1,), (), (1, 2,), [1, 2,], {1, 2,}, {1: 2,}, {**a, 'b': 1, **c}
x = ..., None, True, False, __debug__
x = *a, *b
*a, b = c
a, *b = c
[a, *b], (c, d) = e
x = yield_ = 1
x = a.b.c.d.e.f
x = (a
     + b
     - c)
x = a if b else (lambda: c)
x = [
    1,
    2,
]
print((yield_), print)
