# category: containers
# tier: core
# checks: <, <=, >, >=, == between sets and frozensets are subset tests (set_richcompare), and their methods agree
a = {1, 2}
b = {1, 2, 3}
print(a <= b, a < b, b >= a, b > a, a <= a, a < a, a == {2, 1}, a != b)
print({1, 4} <= {1, 2}, {1, 4} < {1, 2}, frozenset(a) <= b, a == frozenset({1, 2}), frozenset() < a)
print(a.issubset(b), a.issubset([1, 2, 5]), b.issuperset(a), b.issuperset((1, 9)), a.isdisjoint({3}), a.isdisjoint([2]))
for compare in [lambda: a < [1, 2], lambda: a <= 3]:
    try:
        compare()
    except TypeError as e:
        print(e)
print(a == [1, 2], a != (1, 2))
