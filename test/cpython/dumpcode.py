"""Print the code objects CPython compiles for a source file, as JSON.

Usage: python3.11 dumpcode.py FILE [FILENAME [MODE]]

The shape is the one of packages/interp/src/compile/code.ts (CodeJson): every field of
CPython 3.11's code object that the compiler decides, with bytes as hex and ints as
decimal text. FILENAME (default: FILE as given) is the co_filename to compile with, MODE
(default: exec) the mode of compile() (exec, eval or single).
Test tooling only: nothing in pymemsim runs this at run time.
"""
import json
import math
import sys
import types


def float_text(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def const(c):
    if c is None:
        return {"k": "None"}
    if c is Ellipsis:
        return {"k": "Ellipsis"}
    if isinstance(c, bool):
        return {"k": "bool", "v": c}
    if isinstance(c, int):
        return {"k": "int", "v": str(c)}
    if isinstance(c, float):
        return {"k": "float", "v": float_text(c)}
    if isinstance(c, complex):
        return {"k": "complex", "re": float_text(c.real), "im": float_text(c.imag)}
    if isinstance(c, str):
        return {"k": "str", "v": c}
    if isinstance(c, bytes):
        return {"k": "bytes", "v": c.hex()}
    if isinstance(c, tuple):
        return {"k": "tuple", "items": [const(x) for x in c]}
    if isinstance(c, frozenset):
        return {"k": "frozenset", "items": [const(x) for x in c]}
    if isinstance(c, types.CodeType):
        return {"k": "code", "code": code(c)}
    raise TypeError(f"unexpected constant {c!r}")


def code(co):
    return {
        "argcount": co.co_argcount,
        "posonlyargcount": co.co_posonlyargcount,
        "kwonlyargcount": co.co_kwonlyargcount,
        "stacksize": co.co_stacksize,
        "flags": co.co_flags,
        "firstlineno": co.co_firstlineno,
        "filename": co.co_filename,
        "name": co.co_name,
        "qualname": co.co_qualname,
        "code": co.co_code.hex(),
        "consts": [const(c) for c in co.co_consts],
        "names": list(co.co_names),
        "localsplusnames": localsplus(co)[0],
        "localspluskinds": localsplus(co)[1],
        "linetable": co.co_linetable.hex(),
        "exceptiontable": co.co_exceptiontable.hex(),
    }


def localsplus(co):
    """co_localsplusnames and co_localspluskinds, rebuilt from the public attributes as
    _PyCode_New lays them out: varnames (CO_FAST_LOCAL, plus CO_FAST_CELL when also a
    cell), then cellvars that are not arguments or locals (CO_FAST_CELL), then freevars."""
    names = list(co.co_varnames)
    kinds = [0x20] * len(names)
    for cell in co.co_cellvars:
        if cell in names:
            kinds[names.index(cell)] |= 0x40
        else:
            names.append(cell)
            kinds.append(0x40)
    for free in co.co_freevars:
        names.append(free)
        kinds.append(0x80)
    return names, kinds


def main():
    path = sys.argv[1]
    filename = sys.argv[2] if len(sys.argv) > 2 else path
    mode = sys.argv[3] if len(sys.argv) > 3 else "exec"
    with open(path, "rb") as f:
        source = f.read()
    co = compile(source, filename, mode, dont_inherit=True)
    json.dump(code(co), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
