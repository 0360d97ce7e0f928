# category: classes
# tier: core
# checks: a subclass of list keeps the list's methods, items, repr, comparisons and size, with its own attributes
import sys


class L(list):
    def total(self):
        return sum(self)


l = L([1, 2])
l.append(3)
l.extend([4])
l.insert(0, 0)
print(l, len(l), type(l).__name__, l.total(), l[0], l[-1], l[1:3], type(l[1:3]).__name__, 3 in l, bool(L()))
print(l == [0, 1, 2, 3, 4], [0, 1, 2, 3, 4] == l, l + [5], type(l + [5]).__name__, sorted(L([3, 1, 2])), l.index(3), l.count(1))
l.tag = "attr"
print(l.tag, l.__dict__, isinstance(l, list), issubclass(L, list))
print(sys.getsizeof(L()), sys.getsizeof([]), sys.getsizeof(L([1, 2, 3])))
l[0] = 10
del l[1]
print(l, l.pop(), l)
l.sort(reverse=True)
print(l, list(reversed(l)), [x * 2 for x in l])


class Stack(list):
    def __init__(self, n):
        super().__init__(range(n))
        self.pushes = 0

    def append(self, x):
        self.pushes += 1
        super().append(x * 10)


s = Stack(3)
s.append(1)
print(s, s.pushes, list.append, list.__len__ if False else "ok")
list.append(s, 99)
print(s, s.pushes)
