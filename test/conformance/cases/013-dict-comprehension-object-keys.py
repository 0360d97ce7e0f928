# category: refcount
# tier: core
# checks: a dict comprehension's str and tuple keys are held once by the dict (MAP_ADD takes both references)
import sys

words = ["w" + str(i) * 3 for i in range(3)]
d = {w: len(w) for w in words}
print(d)
print("key held by list and dict:", sys.getrefcount(words[0]))
pairs = {(i, str(i)): i * i for i in range(3)}
print(pairs)
k = list(pairs)[0]
print("tuple key held by dict and k:", sys.getrefcount(k))
del d, pairs
print("after the dicts are gone:", sys.getrefcount(words[0]), sys.getrefcount(k))
v = [2]
merged = {**{"x": 1}, "y": v, "z": 3}
print(merged, sys.getrefcount(v))
