# category: refcount
# tier: core
# checks: a closure's cell holds the captured object; the cell dies with the last function that shares it
import sys


def make():
    data = []
    def get():
        return data
    return get


g = make()
obj = g()
print("captured list count:", sys.getrefcount(obj))
del g
print("after the closure is gone:", sys.getrefcount(obj))
