# type(name, bases, ns) with a base whose metaclass is more derived: that metaclass's __new__ makes the class
import enum

class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        print("Meta.__new__", name, sorted(kw))
        return super().__new__(mcls, name, bases, ns)
    def __iter__(cls):
        return iter((1, 2))

class Base(metaclass=Meta):
    pass

C = type("C", (Base,), {}, flag=True)
print(type(C).__name__, list(C))
a, b = C
print(a, b)

class Other(type):
    pass
class O(metaclass=Other):
    pass
try:
    type("X", (Base, O), {})
except TypeError as e:
    print(e)

# enum's _simple_enum builds its classes with type(...)
print(type(enum.EnumCheck).__name__, list(enum.EnumCheck))
continuous, named, unique = enum.EnumCheck
print(continuous is enum.CONTINUOUS, unique.value)
