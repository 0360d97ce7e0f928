# category: gc
# tier: advanced
# checks: the automatic generation-0 collection fires at CPython's allocation when a weakref callback allocates during a collection (test_gc's test_bug1055820c)
import gc
import weakref


class C1055820(object):
    def __init__(self, i):
        self.i = i
        self.loop = self


class GC_Detector(object):
    def __init__(self):
        self.gc_happened = False

        def it_happened(ignored):
            self.gc_happened = True

        self.wr = weakref.ref(C1055820(666), it_happened)


c0 = C1055820(0)
gc.collect()
c1 = C1055820(1)
c1.keep_c0_alive = c0
del c0.loop
c2 = C1055820(2)
c2wr = weakref.ref(c2)
ouch = []


def callback(ignored):
    ouch[:] = [c2wr()]


c0wr = weakref.ref(c0, callback)
c0 = c1 = c2 = None
detector = GC_Detector()
junk = []
i = 0
while not detector.gc_happened:
    i += 1
    if i > 10000:
        print("gc didn't happen after 10000 iterations")
        break
    junk.append([])
first = (i, len(ouch), ouch, gc.get_count())

made = []


class D:
    def __del__(self):
        made.append([[] for _ in range(3)])


def cycle():
    a = D()
    a.self = a


gc.collect()
cycle()
second = (gc.collect(0), gc.get_count())
cycle()
n = 0
while True:
    before = gc.get_count()
    junk.append([])
    n += 1
    after = gc.get_count()
    if after[0] < before[0]:
        break
# Printing only at the end: print's own objects (the file's buffers) are not simulated.
print(*first)
print(*second)
print(n, before, after, len(made))
