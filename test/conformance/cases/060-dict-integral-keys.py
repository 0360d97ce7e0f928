# Keys that compare equal are one key: 1, 1.0, True and (1+0j) find each other's entry,
# also past 2**53 where a float no longer holds every int, and inside tuples and
# frozensets. The first key inserted stays; the last value wins.
d = {}
d[1] = "a"
d[1.0] = "b"
d[True] = "c"
d[2**53] = "x"
d[float(2**53)] = "y"
d[2**53 + 1] = "z"
d[-0.0] = "m"
d[0] = "n"
d[2**70] = "big"
d[float(2**70)] = "bigf"
d[(1, 2.0)] = "t"
d[(1.0, 2)] = "t2"
d[frozenset([1, 2])] = "f"
d[frozenset([1.0, 2.0])] = "f2"
d[complex(3, 0)] = "c3"
d[3] = "i3"
d[-(2**53)] = "neg"
d[float(-(2**53))] = "negf"
d["1"] = "s1"
d[1.5] = "h"
print(d)
print(len(d), 1 in d, 1.0 in d, True in d, (1.0, 2.0) in d, 2**70 in d, float(2**70) in d)
print(2**53 + 1 in d, float(2**53 + 2) in d, -(2**53) - 1 in d)
del d[1.0]
del d[2**53]
del d[0.0]
print(d)
n = {}
for i in range(3000):
    n[i] = i
for i in range(0, 3000, 2):
    del n[float(i)]
print(len(n), sum(n), n.get(2999.0), n.get(2998))
