# _weakref and what weakref.py builds on it: WeakValueDictionary, WeakKeyDictionary,
# WeakSet and finalize drop what only they hold, at once.
import gc, sys, weakref
class Obj:
    def __init__(self, n):
        self.n = n
    def __repr__(self):
        return f"Obj({self.n})"
a, b = Obj(1), Obj(2)
wv = weakref.WeakValueDictionary({"a": a, "b": b})
wk = weakref.WeakKeyDictionary({a: "x", b: "y"})
ws = weakref.WeakSet([a, b])
log = []
f = weakref.finalize(b, log.append, "b finalized")
print(sorted(wv.keys()), len(wk), len(ws), f.alive, sys.getrefcount(b))
del b
print(sorted(wv.keys()), len(wk), len(ws), f.alive, log)
r = weakref.ref(a)
print(weakref.getweakrefcount(a), r() is a, gc.is_tracked(r), sys.getsizeof(r))
p = weakref.proxy(a)
print(p.n, weakref.getweakrefcount(a))
del a
print(r(), len(wv), len(wk), len(ws))
try:
    p.n
except ReferenceError as e:
    print("ReferenceError:", e)
