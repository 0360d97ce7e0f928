# What a container's repr and print allocate, seen through gc.get_count() (after a full
# collection, the free lists are empty, so every GC allocation counts). The first
# container repr makes the thread state's dict and its Py_Repr list; dict and set enter
# Py_ReprEnter even when empty; set, deque and dict views print a list made for the
# purpose; print's first call with a keyword makes its parser's keyword tuple.
import collections
import functools
import gc
import sys
import types

cases = [
    lambda: [],
    lambda: (),
    lambda: set(),
    lambda: {},
    lambda: [1],
    lambda: (1,),
    lambda: {1},
    lambda: {1: 2},
    lambda: frozenset(),
    lambda: collections.deque(),
    lambda: collections.deque([1]),
    lambda: collections.OrderedDict(),
    lambda: collections.OrderedDict(a=1),
    lambda: types.SimpleNamespace(),
    lambda: functools.partial(int),
    lambda: collections.defaultdict(list),
    lambda: {1: 2}.values(),
    lambda: {1: 2}.keys(),
]
for make in cases:
    x = make()
    gc.collect()
    gc.get_count()
    a = gc.get_count()[0]
    r = repr(x)
    b = gc.get_count()[0]
    repr(x)
    c = gc.get_count()[0]
    print(r, b - a, c - b)
l = [1]
l.append(l)
d = {}
d[1] = d
print(l, d, collections.deque([l]))
dd = collections.defaultdict(list)
dd[0] = dd
print(dd)


class Sink:
    def write(self, s):
        pass


sink = Sink()
gc.collect()
counts = []
for i in range(3):
    counts.append(gc.get_count()[0])
    print("x", file=sink)
for i in range(3):
    counts.append(gc.get_count()[0])
    print("y", end="")
print()
print(counts)
