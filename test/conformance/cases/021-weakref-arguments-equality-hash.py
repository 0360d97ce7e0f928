# category: weakref
# tier: core
# checks: weakref.ref takes positional arguments only; refs compare by referent while both live, hash as the referent
import weakref


class O:
    pass


o = O()
for call in [lambda: weakref.ref(o, callback=None), lambda: weakref.ref(), lambda: weakref.ref(o, None, 1), lambda: weakref.ref(1)]:
    try:
        call()
    except TypeError as e:
        print(e)
r1 = weakref.ref(o)
r2 = weakref.ref(o, lambda r: None)
print(r1 == r2, r1 is r2, r1 != r2, hash(r1) == hash(o), hash(r2) == hash(r1))
p = O()
r3 = weakref.ref(p)
print(r1 == r3, r1 != r3)
h = hash(r3)
del p
print(r3() is None, hash(r3) == h, r3 == r3, r3 == r1, r3 != r1)
r4 = weakref.ref(O())
try:
    hash(r4)
except TypeError as e:
    print(e)
print({r1: "found"}[weakref.ref(o)])
