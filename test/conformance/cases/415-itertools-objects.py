# itertools: the iterator objects are GC-tracked C objects holding their arguments.
import gc, itertools, sys
data = [1, 2, 3]
before = sys.getrefcount(data)
c = itertools.cycle(data)
print(sys.getrefcount(data) - before, gc.is_tracked(c), [next(c) for _ in range(7)])
ch = itertools.chain(data, "ab")
print(gc.is_tracked(ch), list(ch))
print(list(itertools.islice(itertools.count(10, 5), 4)), list(itertools.repeat("x", 3)))
print(list(itertools.accumulate([1, 2, 3, 4])), list(itertools.product("ab", repeat=2)))
print(list(itertools.permutations([1, 2, 3], 2)), list(itertools.combinations("abcd", 2)))
print([(k, list(g)) for k, g in itertools.groupby("aabbbc")])
print(list(itertools.zip_longest([1, 2], "abc", fillvalue=0)), list(itertools.starmap(pow, [(2, 3), (3, 2)])))
print(list(itertools.takewhile(lambda v: v < 3, data)), list(itertools.dropwhile(lambda v: v < 2, data)))
print(list(itertools.compress("abc", [1, 0, 1])), list(itertools.filterfalse(None, [0, 1, 0, 2])))
a, b = itertools.tee(iter(data))
print(list(a), list(b), list(itertools.pairwise(data)))
del c
print(sys.getrefcount(data) - before)
