# category: classes
# tier: core
# checks: rich comparisons try each side once (a subclass's reflected method first), so __lt__ written as not (a > b) terminates
class A:
    def __init__(self, v):
        self.v = v

    def __gt__(self, other):
        return self.v > other.v

    def __lt__(self, other):
        return not (self > other)


print(A(1) > A(2), A(1) < A(2), A(3) < A(2))
print(max([A(1), A(5), A(3)]).v, min([A(4), A(2), A(9)]).v, [a.v for a in sorted([A(3), A(1), A(2)])])


class C:
    def __lt__(self, other):
        print("C.__lt__")
        return NotImplemented


for compare in [lambda: C() > C(), lambda: C() < 1, lambda: 1 < C()]:
    try:
        compare()
    except TypeError as e:
        print(e)


class Base:
    def __eq__(self, other):
        print("Base.__eq__")
        return NotImplemented


class Sub(Base):
    def __eq__(self, other):
        print("Sub.__eq__")
        return True


print(Base() == Sub(), Sub() == Base(), Base() == Base(), Base() != Base())


class V:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, V) and self.v == other.v


print(V(1) != V(1), V(1) != V(2), [V(1)] == [V(1)], V(1) in [V(2), V(1)])
x = float("nan")
print(x == x, [x] == [x], x in [x], 1 < 2.5, 2**60 + 1 == float(2**60), 10**30 > 1e29)
