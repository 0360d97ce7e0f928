# The empty bytes and the one-byte bytes are static singletons (bytes_empty,
# bytes_characters): every way of making them gives the same object, and a code
# object's empty exception table is that same b''.
import sys

empty = bytes()
print(empty is b"x"[1:], empty is bytes(0), empty is b"".join([]), empty is b"abc"[3:])
print(sys.getrefcount(empty) > 100000, sys.getsizeof(empty), sys.getsizeof(b"a"))
a = b"abc"[:1]
print(a is b"a", a is bytes([97]), a is b"xa"[1:], bytes([200]) is b"\xc8"[0:1])
print(sys.getrefcount(a) > 100000)


def f():
    pass


def g(x):
    try:
        return x
    except Exception:
        return None


print(f.__code__.co_exceptiontable is empty, f.__code__.co_exceptiontable is g.__code__.co_exceptiontable)
print(len(g.__code__.co_exceptiontable) > 0)
before = sys.getrefcount(empty)
parts = [b"" for _ in range(10)]
print(sys.getrefcount(empty) - before)
del parts
print(sys.getrefcount(empty) - before)
