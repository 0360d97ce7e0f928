# category: strings
# tier: core
# checks: format(), f-strings and str.format follow the format-spec mini-language of formatter_unicode.c, with its errors
print(format(1234567.891, ",.2f"), format(255, "#010x"), format("hi", "*^6"), format(-42, "=+8d"), format(0.5, "%"))
print(format(12345, "_"), format(1e-7, ""), format(3.0, ""), format(1e16, ".3"), format(2.5, "g"), format(-0.0, "z.1f"))
print(format(True, ""), format(True, "d"), format(None, ""), format(65, "c"), format(10, "b"), format(10, "#o"))
x = 3.14159
print(f"{x:.3f}|{42:>5}|{'s'!r:>5}|{x!s:.4}|{'é'!a}|{1e6:,.0f}|{-7:05}")
print("{:>8.3f}|{!r}|{:,}|{:^9}".format(2.5, "q", 10**7, "mid"), "{1}{0}{1}".format("a", "b"))
for template in ["{}{0}", "{0}{}"]:
    try:
        template.format(1, 2)
    except ValueError as e:
        print(e)
for value, spec in [(1, "z"), ("a", "+"), ("a", "="), (1.5, "d"), (1, ".2"), (1, ",_"), (1, "xx"), (None, "5"), (1, ",c")]:
    try:
        print(format(value, spec))
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
