# The compiler merges equal constant tuples of one compilation (merge_const_one): code
# objects with the same names, local names or constants share one tuple.
import gc
import sys

src = """
def f(a, b):
    return x + 1
def g(a, b):
    return x + 1
def h(a, c):
    return y + 2
"""
before = set(map(id, gc.get_objects()))
code = compile(src, "m", "exec")
made = [o for o in gc.get_objects() if id(o) not in before and type(o) is tuple]
print([tuple(getattr(x, 'co_name', x) for x in t) for t in made])
f, g, h = [c for c in code.co_consts if hasattr(c, "co_code")]
print(f.co_names is g.co_names, f.co_consts is g.co_consts, f.co_names is h.co_names, f.co_consts is h.co_consts)
ns = {}
exec(code, ns)
print(ns["f"].__code__.co_names is ns["g"].__code__.co_names, sys.getrefcount(f.co_names) - sys.getrefcount(h.co_names))
