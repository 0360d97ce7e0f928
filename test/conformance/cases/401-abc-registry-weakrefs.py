# _abc: abstract methods, the registry and caches held through weak references
import abc, gc, sys, _abc

class A(abc.ABC):
    @abc.abstractmethod
    def f(self): pass
    @abc.abstractmethod
    def g(self): pass

print("abstract methods:", sorted(A.__abstractmethods__))
print("_abc_impl:", type(A._abc_impl).__name__, sys.getsizeof(A._abc_impl), gc.is_tracked(A._abc_impl))
try:
    A()
except TypeError as e:
    print(e)

class B(A):
    def f(self): pass
try:
    B()
except TypeError as e:
    print(e)

class C(B):
    def g(self): return "g"
print(C().g(), isinstance(C(), A), issubclass(C, A), issubclass(int, A))
registry, cache, negative, _ = _abc._get_dump(A)
print("registry, cache, negative:", len(registry), len(cache), len(negative))
print("cache holds weak references:", {type(r).__name__ for r in cache}, [r() for r in cache] == [C])

class V: pass
before = abc.get_cache_token()
print("register returns the class:", A.register(V) is V)
print("token moved by one:", abc.get_cache_token() - before)
print(issubclass(V, A), isinstance(V(), A), [len(s) for s in _abc._get_dump(A)[:3]])
print("the registry does not keep V alive:", sys.getrefcount(V))
del V
gc.collect()
print("after V dies:", [len(s) for s in _abc._get_dump(A)[:3]])

class W: pass
A.register(W)
print("negative cache emptied by a registration:", issubclass(int, A), len(_abc._get_dump(A)[2]))
_abc._reset_registry(A)
_abc._reset_caches(A)
print("after the resets:", [len(s) for s in _abc._get_dump(A)[:3]], issubclass(W, A))
try:
    A.register(1)
except TypeError as e:
    print(e)
try:
    C.register(A)
except RuntimeError as e:
    print(e)

class Hook(abc.ABC):
    @classmethod
    def __subclasshook__(cls, other):
        return True if hasattr(other, "quack") else NotImplemented
class Duck:
    quack = 1
print("subclass hook:", issubclass(Duck, Hook), issubclass(int, Hook))
