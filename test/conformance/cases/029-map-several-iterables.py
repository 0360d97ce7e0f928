# category: builtins
# tier: core
# checks: map with several iterables calls the function with one item of each, stopping at the shortest
print(list(map(lambda a, b: a + b, [1, 2, 3], [10, 20])))
print(list(map(pow, [2, 3, 4], [5, 2], [7, 100])))


def f(*args):
    return args


print(list(map(f, "ab", (1, 2, 3), [None, None])), list(map(str, range(3))), list(map(f, [])))
m = map(f, [1, 2], [3, 4])
print(next(m), next(m), next(m, "done"))
try:
    map(len)
except TypeError as e:
    print(e)
