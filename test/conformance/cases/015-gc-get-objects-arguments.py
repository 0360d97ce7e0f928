# category: gc
# tier: core
# checks: gc functions take their arguments as CPython's do: keywords, types, ranges and the exact errors
import gc

gc.collect()
fresh = [[] for _ in range(3)]
young = gc.get_objects(generation=0)
print("young objects include the new lists:", all([any([x is y for y in young]) for x in fresh]))
print("gen 2 is not gen 0:", len(gc.get_objects(2)) != len(young))
print(len(gc.get_objects(None)) >= len(young), len(gc.get_objects(-1)) >= len(young))
for call in [
    lambda: gc.get_objects(1.5),
    lambda: gc.get_objects("0"),
    lambda: gc.get_objects(3),
    lambda: gc.get_objects(-2),
    lambda: gc.get_objects(gen=1),
    lambda: gc.get_objects(1, 2),
    lambda: gc.collect(1.5),
    lambda: gc.collect(3),
    lambda: gc.collect(gen=1),
    lambda: gc.get_count(1),
    lambda: gc.is_tracked(),
    lambda: gc.set_threshold(),
    lambda: gc.set_debug(flags=1),
]:
    try:
        call()
        print("no error")
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
print(gc.collect(generation=0) >= 0)
