# category: refcount
# tier: core
# checks: default argument values are held by the function's __defaults__ tuple
import sys

sentinel = []


def f(a, b=sentinel, *, c=None):
    return sys.getrefcount(b)


print("default in use:", f(1))
print("passed explicitly:", f(1, b=sentinel))
print("held by defaults:", sys.getrefcount(sentinel))
