# category: sizes
# tier: core
# checks: list sizes through insert, extend, slice deletion and slice assignment
import sys

l = []
for i in range(10):
    l.insert(0, i)
print(sys.getsizeof(l))
l.extend(range(20))
print(sys.getsizeof(l))
del l[5:25]
print(sys.getsizeof(l), len(l))
l[:] = [1, 2]
print(sys.getsizeof(l))
