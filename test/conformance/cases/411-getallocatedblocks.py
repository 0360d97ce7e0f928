# sys.getallocatedblocks(): the blocks pymalloc and the object allocator's system
# fallback have handed out and not taken back; its differences follow allocations.
import sys
a = sys.getallocatedblocks()
b = sys.getallocatedblocks()
print(b - a)
x = object()
c = sys.getallocatedblocks()
print(c - b)
l = [object() for i in range(100)]
d = sys.getallocatedblocks()
print(d - c)
del l
print(sys.getallocatedblocks() - d)
big = [None] * 1000
e = sys.getallocatedblocks()
del big
print(e - sys.getallocatedblocks())
