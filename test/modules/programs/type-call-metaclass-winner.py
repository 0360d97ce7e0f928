# type(name, bases, ns) with a base whose metaclass has its own __new__ and __init__:
# the class is made by that metaclass, as _PyType_CalculateMetaclass makes type_new do.
calls = []


class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        calls.append(('new', mcls.__name__, name, sorted(kw)))
        return super().__new__(mcls, name, bases, ns)

    def __init__(cls, name, bases, ns, **kw):
        calls.append(('init', name))
        super().__init__(name, bases, ns)

    def __iter__(cls):
        return iter(sorted(k for k in vars(cls) if not k.startswith('_')))


class Base(metaclass=Meta):
    pass


C = type('C', (Base,), {'x': 1, 'y': 2})
print(type(C).__name__, calls)
a, b = C
print(a, b, list(C))
print(type(type('D', (object,), {})).__name__)
try:
    class Other(type):
        pass
    type('E', (Base, Other('O', (), {})), {})
except TypeError as e:
    print(e)
