# category: strings
# tier: core
# checks: printf-style formatting as PyUnicode_Format: every conversion, flag, width, precision, mapping keys, and the errors
print("%i|%x|%03d" % (5, 255, 7))
print("%d %i %u %o %x %X %e %E %f %F %g %G %c %r %s %a %%" % (1, 2, 3, 8, 255, 255, 1.5, 1.5, 1.5, 1.5, 1.5, 1e20, 65, "r", "s", "é"))
print("%-6s|%6s|%.2s|%-+5d|% d|%+.3f|%#o|%#x|%#X|%05.1f|%-8.3e|" % ("ab", "cd", "xyz", 7, 3, 2.5, 8, 255, 255, -2.25, 1234.5))
print("%*d|%-*d|%.*f|%*.*f" % (5, 1, 4, 2, 2, 3.14159, 8, 3, 2.71828))
print("%(name)s is %(age)d, %(name)r" % {"name": "Ann", "age": 41})
print("%s" % (1,), "%s" % [1, 2], "%s" % {"k": 1}, "%.3d|%+.3x|%#.3o" % (5, 10, 9))
print("%c%c%c" % (72, "i", 0x263A), "%5c|%-3c|" % (65, "b"))
print("%d %d %x" % (3.99, True, False), "%s %s" % (None, 2.5), "%g %g %g" % (1e-5, 123456789, 0.0001))
print(b"%s %d %x %c %b" % (b"by", 5, 255, 65, b"tes"))
for fmt, args in [
    ("%d", "x"),
    ("%x", 1.5),
    ("%s %s", (1,)),
    ("%s", (1, 2)),
    ("%(a)s", 5),
    ("%(a", {"a": 1}),
    ("%y", 1),
    ("%", ()),
    ("%c", 0x110000),
    ("%c", "ab"),
    ("%*d", ("a", 1)),
    ("%f", "x"),
    ("%d", float("nan")),
    ("%5%", 1),
]:
    try:
        print(repr(fmt % args))
    except (TypeError, ValueError, OverflowError) as e:
        print(type(e).__name__, e)
