# category: numbers
# tier: core
# checks: float %, //, divmod, round, ** and repr follow floatobject.c (fmod with sign correction, snapped quotients, correct rounding)
print(100 % 6.283185307179586, -7.5 % 2, 7.5 % -2, -0.0 % 5, 5 % -0.5)
print(7.5 // 2, -7.5 // 2, 1e300 // 1e-10, divmod(7.5, -2), divmod(-1e-20, 1.0), 0.7 // 0.1, divmod(1, 0.1))
print(round(2.675, 2), round(0.125, 2), round(0.375, 2), round(2.5), round(3.5), round(-0.5), round(1234.5678, -2), round(1e300, -299))
print(round(15, -1), round(25, -1), round(-35, -1), round(1.23456789, 5), round(5e-324, 400), round(0.5, 0), round(-2.5, None))
print(2 ** -1, 2.0 ** 0.5, (-8.0) ** 3, 10.0 ** -2, 0.0 ** 0, 1.0 ** float("nan"), 1.1 ** 10, 7.0 ** 13.5)
print(10 ** 20 / 3, 2 ** 53 + 1 == 2.0 ** 53, (2 ** 53 + 1) / 1, 1 / 3, 22 / 7)
print(1e16, 1e15, 1e-5, 0.0001, 123456789012345678.0, 0.1 + 0.2, -0.0, 1.5e-7, 2.5e100)
print(float("inf") % 3 if False else "inf", 3 % float("inf"), -3 % float("inf"))
for name, op in [
    ("1.0 % 0", lambda: 1.0 % 0),
    ("1.0 // 0.0", lambda: 1.0 // 0.0),
    ("divmod(1.0, 0)", lambda: divmod(1.0, 0)),
    ("0.0 ** -1", lambda: 0.0 ** -1),
    ("10.0 ** 400", lambda: 10.0 ** 400),
    ("1 % 0", lambda: 1 % 0),
    ("divmod(1, 0)", lambda: divmod(1, 0)),
    ("round(inf)", lambda: round(float("inf"))),
    ("round(nan)", lambda: round(float("nan"))),
]:
    try:
        print(name, "->", op())
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        print(name, "->", type(e).__name__, e)
