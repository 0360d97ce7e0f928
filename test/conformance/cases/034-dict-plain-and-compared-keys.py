# A key with a Python __eq__ and a plain int of the same hash are one key when __eq__
# says so: lookups, assignment and deletion find the stored key whichever kind asks,
# and == is called stored key first, as dict lookups call it.
import sys


class K:
    def __init__(self, v):
        self.v = v

    def __hash__(self):
        return hash(self.v)

    def __eq__(self, o):
        print("eq", self.v, o.v if isinstance(o, K) else o)
        return (o.v if isinstance(o, K) else o) == self.v

    def __repr__(self):
        return f"K({self.v})"


d = {1: "int", K(2): "k2"}
print(d[2], d[K(1)], 2 in d, K(3) in d, 3 in d)
d[K(1)] = "replaced"
d[2] = "via int"
print(d, len(d))
k = next(iter(k for k in d if isinstance(k, K)))
print(sys.getrefcount(k))
del d[2]
print(d, sys.getrefcount(k))
del d[K(1)]
print(d)
s = {1, K(2)}
print(2 in s, K(1) in s, K(5) in s)
