# _operator is a C module: operator's functions are builtins, itemgetter, attrgetter and
# methodcaller are C types (sizes, tracking, references held); range iterators have
# __length_hint__.
import operator, sys, gc
from operator import itemgetter, attrgetter, methodcaller
print(type(operator.add), operator.add(1, 2), operator.sub(5, 3), operator.mul("a", 3), operator.truediv(7, 2))
print(operator.lt(1, 2), operator.eq([1], [1]), operator.not_(0), operator.truth([]), operator.is_(None, None))
print(operator.neg(3), operator.pos(-2), operator.inv(5), operator.abs(-4), operator.index(7), operator.pow(2, 10))
print(operator.concat([1], [2]), operator.contains("abc", "b"), operator.countOf([1, 2, 1], 1), operator.indexOf("abc", "c"))
l = [1, 2]; print(operator.iadd(l, [3]) is l, l, operator.iconcat(l, [4]))
d = {}; operator.setitem(d, "k", 1); print(d, operator.getitem(d, "k")); operator.delitem(d, "k"); print(d)
print(operator.length_hint([1, 2, 3]), operator.length_hint(iter(range(5))), operator.length_hint(object(), 7))
print(operator.call(max, 1, 5, key=lambda x: -x), operator.and_(6, 3), operator.or_(4, 1), operator.xor(5, 1), operator.lshift(1, 4))
g = itemgetter(1); print(g, g("abc"), itemgetter(0, 2)("abc"), itemgetter("k")({"k": 9}))
class A: pass
a = A(); a.b = A(); a.b.c = 5; a.x = 1
print(attrgetter("x")(a), attrgetter("b.c", "x")(a), attrgetter("b.c", "x"))
m = methodcaller("split", ",", maxsplit=1); print(m, m("a,b,c"), methodcaller("upper")("x"))
print(sys.getsizeof(g), sys.getsizeof(attrgetter("x")), sys.getsizeof(m), gc.is_tracked(g), type(g).__module__)
print(sorted([(1, "b"), (0, "a")], key=itemgetter(1)))
for f in [lambda: operator.neg(), lambda: operator.add(1), lambda: itemgetter(), lambda: attrgetter(1),
          lambda: methodcaller(), lambda: methodcaller(1), lambda: itemgetter(k=1), lambda: operator.concat(1, 2),
          lambda: operator.indexOf([1], 2), lambda: operator.length_hint(1, "x"), lambda: attrgetter("y")(a)]:
    try:
        f()
    except Exception as e:
        print(type(e).__name__, e)

s = "some text"; r = sys.getrefcount(s); ig = itemgetter(s); print(sys.getrefcount(s) - r); del ig; print(sys.getrefcount(s) - r)
import _operator
print(_operator._compare_digest(b"ab", b"ab"), _operator._compare_digest("ab", "ac"))
print(type(operator.itemgetter) is type, operator.itemgetter is _operator.itemgetter, "_operator" in sys.modules)
it = iter(range(10)); next(it); print(it.__length_hint__(), iter(range(2**70, 2**70 + 4)).__length_hint__())
