# collections.abc through _abc: virtual subclasses of the built-in types, subclass hooks, mixins
import collections.abc as cabc

print(isinstance([], cabc.Sequence), isinstance({}, cabc.Mapping), isinstance(iter([]), cabc.Iterator))
print(issubclass(dict, cabc.MutableMapping), isinstance(1, cabc.Hashable), isinstance([], cabc.Hashable))
print(isinstance(range(3), cabc.Sequence), isinstance("", cabc.MutableSequence), isinstance(set(), cabc.Set))

class MyIt:
    def __iter__(self): return self
    def __next__(self): raise StopIteration
print(isinstance(MyIt(), cabc.Iterator), isinstance(MyIt(), cabc.Iterable), issubclass(MyIt, cabc.Sized))

class S(cabc.Sequence):
    def __getitem__(self, i): return [1, 2][i]
    def __len__(self): return 2
s = S()
print(list(s), s.index(2), 2 in s, list(reversed(s)))
match s:
    case [a, b]:
        print("matched as a sequence:", a, b)

class M:
    def __getitem__(self, k): return k
    def __len__(self): return 0
    def __iter__(self): return iter(())
cabc.Mapping.register(M)
match M():
    case {}:
        print("registered mapping matches a mapping pattern")
    case _:
        print("no match")
