# marshal.dumps and marshal.loads of the value types, byte for byte as CPython 3.11
# writes them: FLAG_REF on objects with more than one reference, TYPE_REF for a
# repeat, interned strs marked, set elements sorted by their own dumps.
import marshal, sys
vals = [None, True, False, ..., StopIteration, 0, 1, -1, 300, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**100, -(2**70) + 5,
        1.5, -0.0, float("inf"), 1e300, 2j, complex(1, -2), "", "a", "hello", "héllo", "x" * 300, "€" * 3, "snake_name",
        b"", b"\x00\xff", (), (1,), tuple([1, "a", tuple([2.5, None])]), [], [1, [2, 3]], {}, {"a": 1, "b": [2]}, set(), {1, 2, 3},
        frozenset(), frozenset({"a", "b", "c"}), {"k": (1, 2), 5: {6}}]
for v in vals:
    d = marshal.dumps(v)
    back = marshal.loads(d)
    print(repr(v)[:40], d.hex()[:80], back == v or (v != v), type(back).__name__)
s = "shared string"
t = (s, s, [s])
print(marshal.dumps(t).hex())
print(marshal.dumps([1000, 1000]).hex(), marshal.dumps((1.5, 1.5)).hex())
x = [1, 2]
y = [x, x]
back = marshal.loads(marshal.dumps(y))
print(back, back[0] is back[1])
print(marshal.dumps("abc", 2).hex(), marshal.dumps((1, 2), 3).hex(), marshal.version)
for bad in [b"", b"i\x01", b"?", b"(\x01\x00\x00\x00"]:
    try:
        marshal.loads(bad)
    except Exception as e:
        print(type(e).__name__, e)
for v in [object(), [object()], lambda: 1]:
    try:
        marshal.dumps(v)
    except Exception as e:
        print(type(e).__name__, e)
name = "interned_name"
print(marshal.loads(marshal.dumps(name)) is name, marshal.loads(marshal.dumps(name + "!")) == name + "!")
print(marshal.loads(bytearray(marshal.dumps(12))))
