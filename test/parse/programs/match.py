match x:
    case 1:
        pass
    case -1 | 1.5 | -2j | 1 + 2j | -1 - 2j | 'str' | b'bytes' | "a" "b":
        pass
    case None | True | False:
        pass
    case a.b | a.b.c:
        pass
    case _:
        pass
match x, y:
    case a, b: pass
    case (a, b): pass
    case [a, b]: pass
    case a, *rest: pass
    case [*_, last]: pass
    case (a): pass
    case (a,): pass
    case (): pass
    case []: pass
    case {}: pass
    case {**rest}: pass
    case {'k': v, 1: w, a.b: c, None: n, **rest}: pass
    case {'k': [1, *_], 'j': {'n': _}}: pass
    case C(): pass
    case a.C(): pass
    case C(1, 2): pass
    case C(a=1, b=c): pass
    case C(1, a=2): pass
    case C(x=[1, 2] | (3 | 4)): pass
    case (1 | 2) as z: pass
    case 1 | 2 as z: pass
    case {0: (0 | 1 | 2 as z)}: pass
    case [1, 2] as z if z: pass
    case a if (b := c): pass
    case C() as c: pass
match *a, b:
    case _: pass
match (x):
    case _: pass
match -x:
    case _: pass
match x if y else z:
    case _: pass
match not x:
    case _: pass
match x == 1:
    case True: pass
match = 1
match.group(1)
case = 2
match(x)
print(match, case)
