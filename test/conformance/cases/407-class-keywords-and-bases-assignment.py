# Class keywords reach __init_subclass__; object's own rejects them. A function's
# __mro_entries__ attribute counts (typing.NamedTuple), type[...] is a generic alias, and
# a heap type's __bases__ can be replaced when the layout allows it.
import sys


class Registry:
    def __init_subclass__(cls, /, **kw):
        print("init_subclass", cls.__name__, sorted(kw.items()))


class Plugin(Registry, key="x", order=2):
    pass


Made = type("Made", (Registry,), {}, z=3)
for make in (lambda: type("Q", (), {}, x=1), lambda: type("A", (object,), {}, y=2)):
    try:
        make()
    except TypeError as e:
        print("TypeError:", e)


def Record(name, fields):
    pass


def mro_entries(bases):
    return (tuple,)


Record.__mro_entries__ = mro_entries


class Pair(Record):
    pass


print(Pair.__mro__, type[int], type(type[int]))


class A:
    pass


class B:
    pass


class C(A):
    pass


old = C.__bases__
print(sys.getrefcount(old))
C.__bases__ = (B,)
print(C.__mro__, C.__base__, sys.getrefcount(old), isinstance(C(), A), isinstance(C(), B))
for bad in ((), [B], (1,), (C,), (int,)):
    try:
        C.__bases__ = bad
    except TypeError as e:
        print("TypeError:", e)
try:
    A.__bases__ = (C,)
except TypeError as e:
    print("TypeError:", e)
try:
    int.__bases__ = (A,)
except TypeError as e:
    print("TypeError:", e)

import typing

print(typing.List[int], typing.Optional[str], typing.Callable[[int], str])


class Point(typing.NamedTuple):
    x: int
    y: int = 2


print(Point(1), Point.__bases__, Point._fields)
T = typing.TypeVar("T")


class Box(typing.Generic[T]):
    def __init__(self, v: T) -> None:
        self.v = v


print(Box[int](3).v, Box[int], typing.get_type_hints(Box.__init__))
