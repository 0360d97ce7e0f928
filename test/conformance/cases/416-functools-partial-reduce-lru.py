# _functools: partial holds its function and arguments; reduce; the C lru_cache wrapper.
import functools, gc, sys
def add(a, b, c=0):
    return a + b + c
arg = [1]
p = functools.partial(add, 1, c=2)
print(p(3), gc.is_tracked(p), p.func is add, p.args, p.keywords, sys.getsizeof(p))
q = functools.partial(len, arg)
print(sys.getrefcount(arg), q())
del q
print(sys.getrefcount(arg))
print(functools.reduce(lambda x, y: x * y, range(1, 6)), functools.reduce(add, [], 7))
@functools.lru_cache(maxsize=2)
def sq(n):
    return n * n
print([sq(i) for i in (1, 2, 1, 3, 1)], sq.cache_info())
sq.cache_clear()
print(sq.cache_info(), gc.is_tracked(sq), type(sq).__name__)
print(functools.cmp_to_key(lambda a, b: b - a)(1) < functools.cmp_to_key(lambda a, b: b - a)(2))
