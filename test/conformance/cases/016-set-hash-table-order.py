# category: containers
# tier: core
# checks: sets keep CPython's hash table: iteration, repr, pop() and getsizeof follow the slots
import sys

s = set()
s.add(3)
s.add(1)
print(s)
print({10, 2, 33, 8, 17}, set([10, 2, 33, 8, 17]))
t = set()
for i in [100, 7, 64, 1, 33, -5, 2**40, 17]:
    t.add(i)
print(t, sys.getsizeof(t))
for i in [7, 33]:
    t.discard(i)
t.add(9)
t.add(41)
print(t, list(t))
print([t.pop() for _ in range(3)], t)
u = set(range(0, 100, 7))
print(u, sys.getsizeof(u))
print({i * 13 % 31 for i in range(20)})
words = {"pear", "apple", "fig", "kiwi", "plum"}
print(len(words), sorted(words))
print(frozenset([5, 3, 19, 11]), {3, 11} | {5, 40}, {1, 2, 3, 9} & {9, 3, 70}, {1, 2, 3, 9} - {2}, {1, 2, 9} ^ {9, 18})
big = set(range(20))
for i in range(0, 20, 2):
    big.remove(i)
print(big, sys.getsizeof(big))
print(big.union([64, 32]), big.difference(range(5)), big.symmetric_difference({1, 100}))
print(hash(frozenset({1, 2})) == hash(frozenset({2, 1})), frozenset({1, 2}) in {frozenset({2, 1})})
print({1} in {frozenset({1})})
it = iter({1, 2})
x = {1, 2}
try:
    for e in x:
        x.add(e + 10)
except RuntimeError as e:
    print(e)
