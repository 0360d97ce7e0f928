# _io.StringIO and BytesIO: what they hold, their sizes, and their values.
import io, sys, gc
s = io.StringIO()
t = "hello"
before = sys.getrefcount(t)
s.write(t)
print(sys.getrefcount(t) - before, s.getvalue(), s.tell(), gc.is_tracked(s))
s.write(" world")
print(s.getvalue(), s.tell(), sys.getrefcount(t) - before)
s.seek(0)
print(s.read(5), s.readline(), repr(s.read()))
b = io.BytesIO(b"abc")
print(b.read(2), b.getvalue(), b.tell(), sys.getsizeof(b.getvalue()))
b.write(b"XYZ")
print(b.getvalue(), b.seek(0), b.read())
r = io.StringIO("a\nb\nc")
print(list(r), r.closed)
r.close()
print(r.closed)
try:
    r.read()
except ValueError as e:
    print("ValueError:", e)
