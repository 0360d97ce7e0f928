# category: classes
# tier: core
# checks: bound methods are equal when bound to the same object (by identity) with equal functions; they hash alike
class C:
    def m(self):
        pass

    def n(self):
        pass

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


a, b = C(), C()
print(a.m == a.m, a.m is a.m, a.m == b.m, a.m == a.n, a.m != a.m, a.m != b.m, hash(a.m) == hash(a.m))
l = [1]
print({a.m: 1}[a.m], [1].append == [1].append, l.append == l.append, l.append != l.append)
print(len({a.m, a.m, b.m}), a == b, a.m.__self__ is a, a.m.__func__ is C.m)
