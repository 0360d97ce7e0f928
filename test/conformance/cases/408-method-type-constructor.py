# types.MethodType(func, instance) builds a bound method (method_new); contextlib.ExitStack
# uses it for every context manager it enters.
import contextlib
import sys
import types


class C:
    def m(self, x):
        return (self.name, x)


c = C()
c.name = "c"
bound = types.MethodType(C.m, c)
print(bound(1), bound.__self__ is c, bound.__func__ is C.m, bound == c.m)
print(type(bound) is types.MethodType, sys.getrefcount(c) - 1)
del bound
print(sys.getrefcount(c) - 1)
print(types.MethodType(len, [1, 2, 3])())
for args, kw in [((), {}), ((1, 2), {}), ((len, None), {}), ((len,), {}), ((len, 1), {"x": 1})]:
    try:
        types.MethodType(*args, **kw)
    except TypeError as e:
        print("TypeError:", e)


@contextlib.contextmanager
def ctx(n):
    print("enter", n)
    try:
        yield n
    finally:
        print("exit", n)


with contextlib.ExitStack() as stack:
    for i in range(3):
        stack.enter_context(ctx(i))
    stack.callback(print, "callback")
print("done")
