# _string (string.Formatter's parser) and _codecs.
import codecs, string
f = string.Formatter()
print(list(f.parse("a{0}b{name!r:>5}c")), f.format("{0}-{x}", 1, x=2))
print(string.Template("$who likes $what").substitute(who="tim", what="pie"), string.capwords("hello  world"))
print(codecs.encode("héllo", "utf-8"), codecs.decode(b"h\xc3\xa9llo", "utf-8"), "é".encode("latin-1"), b"\xe9".decode("latin-1"))
print(codecs.lookup("UTF8").name, "abc".encode("ascii"), "x\u20acy".encode("ascii", "replace"), "x\u20acy".encode("ascii", "backslashreplace"))
try:
    b"\xff".decode("utf-8")
except UnicodeDecodeError as e:
    print("UnicodeDecodeError:", e)
