# category: builtins
# tier: core
# checks: slicing a range gives a range (compute_slice), with CPython's index clamping
r = range(10)
print(r[2:8:2], r[::-1], r[-3:], r[:100], r[5:2], r[::3], len(r[::3]))
print(range(0, 20, 3)[1:5], range(10, 0, -2)[::2], range(5)[::-2], range(-5, 5)[-2:-8:-1])
print(list(range(10)[2:8:2]), list(range(-5, 5)[-2:-8:-1]), range(3)[10:], range(3)[-10:])
s = range(0, 20, 3)[1:5]
print(s.start, s.stop, s.step, 9 in s, s.index(9) if hasattr(s, "index") else "", s == range(3, 15, 3))
try:
    range(3)[::0]
except ValueError as e:
    print(e)
