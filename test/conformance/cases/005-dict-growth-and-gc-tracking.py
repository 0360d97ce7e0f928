# category: tracking
# tier: core
# checks: a dict is untracked until it holds a container; its size follows the keys table
import gc
import sys

d = {}
print(gc.is_tracked(d), sys.getsizeof(d))
for i in range(6):
    d[i] = i
print(gc.is_tracked(d), sys.getsizeof(d))
d["l"] = []
print(gc.is_tracked(d), sys.getsizeof(d))
