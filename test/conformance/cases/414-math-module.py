# math: values, and what its functions return (new floats and ints, none kept).
import gc, math, sys
x = 2.0
r = math.sqrt(x)
print(r, type(r).__name__, sys.getsizeof(r), gc.is_tracked(r), sys.getrefcount(r))
print(math.factorial(20), math.gcd(12, 18), math.isqrt(10**20 + 1), math.comb(10, 3), math.perm(5, 2))
print(math.floor(-2.5), math.ceil(2.1), math.trunc(-3.7), math.fsum([0.1] * 10), math.prod([1, 2, 3, 4]))
print(math.log(8, 2), math.log10(1000), math.exp(1), math.hypot(3, 4), math.dist((0, 0), (3, 4)))
print(math.isclose(0.1 + 0.2, 0.3), math.isfinite(math.inf), math.isnan(math.nan), math.copysign(1, -0.0))
print(math.pi, math.e, math.tau, math.inf, -math.inf)
print(sys.getsizeof(math.factorial(30)), gc.is_tracked(math), math.frexp(8.0), math.modf(3.5))
try:
    math.sqrt(-1)
except ValueError as e:
    print("ValueError:", e)
try:
    math.factorial(-1)
except ValueError as e:
    print("ValueError:", e)
