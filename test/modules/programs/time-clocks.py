import time
t0 = time.time(); m0 = time.monotonic(); p0 = time.perf_counter()
time.sleep(0.5)
print(type(t0).__name__, type(time.time_ns()).__name__, time.monotonic() - m0 >= 0.5, time.perf_counter() > p0)
print(time.timezone, time.daylight, time.tzname)
for bad in (-1, 'x'):
    try:
        time.sleep(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
