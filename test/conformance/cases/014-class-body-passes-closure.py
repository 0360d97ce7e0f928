# category: refcount
# tier: core
# checks: a class defined in a function passes the function's cells to its methods (the class body's free variables)
import sys


def make(x):
    label = "made"

    class A:
        kind = label

        def m(self):
            return x

        def n(self):
            return label, x

    return A


A = make([1, 2])
a = A()
print(a.m(), a.n(), A.kind)
print("the list lives in the cell:", sys.getrefcount(a.m()))
cells = A.m.__closure__
print(len(cells), A.n.__closure__[0] is cells[0] or A.n.__closure__[1] is cells[0])
B = make("other")
print(B().m(), A().m())
