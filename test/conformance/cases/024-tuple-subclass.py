# category: classes
# tier: core
# checks: a subclass of tuple can be constructed (with or without __new__), and keeps the tuple's items, hash and comparisons
import sys


class T(tuple):
    pass


t = T([1, 2])
print(t, len(t), t == (1, 2), hash(t) == hash((1, 2)), t[0], t[0:1], type(t[0:1]).__name__, type(t).__name__)
print(T(), T("ab"), sys.getsizeof(T()), sys.getsizeof(()), sys.getsizeof(T((1, 2))), t + (3,), t * 2, tuple(t), {t: "key"}[(1, 2)])


class Point(tuple):
    def __new__(cls, x, y):
        return super().__new__(cls, (x, y))

    def __repr__(self):
        return f"Point({self[0]}, {self[1]})"

    @property
    def x(self):
        return self[0]


p = Point(3, 4)
print(p, p.x, p + (5,), isinstance(p, tuple), p == (3, 4), p < (3, 5), sorted([Point(2, 1), Point(1, 9)]))
try:
    T(1, 2)
except TypeError as e:
    print(e)
print(tuple.__new__(T, "xy"), type(tuple.__new__(T, "xy")).__name__)
