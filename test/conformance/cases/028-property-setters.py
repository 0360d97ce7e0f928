# category: classes
# tier: core
# checks: property getters, setters and deleters (decorators and property(...)), with CPython's errors when one is missing
class P:
    def __init__(self):
        self._x = 0

    @property
    def x(self):
        return self._x

    @x.setter
    def x(self, v):
        print("setting", v)
        self._x = v * 2

    @x.deleter
    def x(self):
        print("deleting")
        del self._x

    y = property(lambda self: "y")
    z = property(fset=lambda self, v: print("z set", v), doc="only a setter")


p = P()
p.x = 5
print(p.x, p.__dict__)
del p.x
print(hasattr(p, "_x"))
p.z = 3
def set_y():
    p.y = 1


def del_y():
    del p.y


for use in [set_y, del_y, lambda: p.z]:
    try:
        use()
    except AttributeError as e:
        print(e)
print(P.x.fset.__name__, P.y.fset, P.z.__doc__, type(P.x).__name__)


class Q(P):
    pass


q = Q()
q.x = 3
print(q.x, q.__dict__)
