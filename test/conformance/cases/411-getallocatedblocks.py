# sys.getallocatedblocks(): the blocks pymalloc and the object allocator's system
# fallback have handed out and not taken back; its differences follow allocations.
# (Lists made and a first print come after the measures: what they allocate depends on
# the free lists CPython's start-up leaves, which the simulation starts without.)
import sys
l = [None] * 100
a = sys.getallocatedblocks()
b = sys.getallocatedblocks()
x = object()
c = sys.getallocatedblocks()
for i in range(100):
    l[i] = object()
d = sys.getallocatedblocks()
del l
f = sys.getallocatedblocks()
big = [None] * 1000
e = sys.getallocatedblocks()
del big
g = sys.getallocatedblocks()
print(b - a, c - b, d - c, f - d, e - g)
