#!/usr/bin/env python3
"""Record CPython 3.11's answers for format() and %-formatting.

Writes test/cpython/cases/format.json: random (but seeded, so reproducible) format
specs applied to ints, bools, floats, strs and complex numbers, and random
printf-style format strings applied to str and bytes with tuples, single objects and
mappings as arguments. Each case holds CPython's result text, or the exception type
and message it raised. test/cpython/format.test.ts checks pymemsim's formatting
(packages/interp/src/objects/formatSpec.ts and printf.ts) against every case, with no
python3 needed at test time.

Usage: python3 test/cpython/formatcases.py   (run once; commit the JSON)
"""
import json
import math
import os
import random
import struct
import sys

assert sys.version_info[:2] == (3, 11), "CPython 3.11 required"

SEED = 20240517
rng = random.Random(SEED)


# ---------------------------------------------------------------------------------
# Values and their JSON encoding.

def enc(v):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": repr(v)}
    if isinstance(v, complex):
        return {"t": "complex", "re": repr(v.real), "im": repr(v.imag)}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, bytes):
        return {"t": "bytes", "v": v.decode("latin-1")}
    if isinstance(v, tuple):
        return {"t": "tuple", "items": [enc(x) for x in v]}
    if isinstance(v, list):
        return {"t": "list", "items": [enc(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "items": [[enc(k), enc(x)] for k, x in v.items()]}
    raise TypeError(type(v))


def outcome(f):
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - every exception is part of the record
        return {"err": type(e).__name__, "msg": str(e)}
    if isinstance(r, bytes):
        return {"ok": r.decode("latin-1")}
    return {"ok": r}


def rand_int():
    k = rng.random()
    if k < 0.3:
        return rng.randint(-1000, 1000)
    if k < 0.5:
        return rng.randint(-10**9, 10**9)
    if k < 0.65:
        return rng.choice([0, 1, -1, 7, 10, 255, 65, 0x10FFFF, 0x110000, 2**31, 2**63, -2**63, 10**20])
    if k < 0.8:
        return rng.randint(-10**30, 10**30)
    return rng.randint(0, 200)


HALVES = [0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1.005, 0.045, 1e16, 1e15, 9.995, 99.5, 0.05, 5e-5]


def rand_float():
    k = rng.random()
    if k < 0.2:
        return rng.uniform(-1000, 1000)
    if k < 0.35:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    if k < 0.5:
        return rng.choice(HALVES) * rng.choice([1, -1, 10, 100, 0.1])
    if k < 0.6:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308,
                           1e22, 1e23, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 123456789.0, 1e-7, 1e-4, 1e-5])
    if k < 0.75:
        return rng.randint(-10**6, 10**6) / rng.choice([1, 2, 4, 8, 16, 10, 100, 1000])
    while True:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if not math.isnan(x):
            return x


STRS = ["", "a", "hello", "héllo", "日本語", "𝄞x", "ab\ncd", "0123456789" * 3, "x y", "'q'", '"d"', "é"]


def rand_str():
    if rng.random() < 0.7:
        return rng.choice(STRS)
    return "".join(rng.choice("abcXYZ 019éß€") for _ in range(rng.randint(0, 12)))


def rand_complex():
    return complex(rng.choice([rand_float(), float(rng.randint(-9, 9)), 0.0, -0.0]),
                   rng.choice([rand_float(), float(rng.randint(-9, 9)), 0.0, -0.0]))


# ---------------------------------------------------------------------------------
# format(value, spec).

TYPES = {
    "int": "bcdoxXn" + "eEfFgG%" + "s",
    "float": "eEfFgGn%" + "d",
    "str": "s" + "d",
    "complex": "eEfFgGn" + "%",
}


def rand_spec(kind):
    if rng.random() < 0.04:
        return "".join(rng.choice("<>=^+- #0z,_.123456789xdfs%é") for _ in range(rng.randint(1, 6)))
    s = ""
    k = rng.random()
    if k < 0.2:
        s += rng.choice(" *0x€.=<") + rng.choice("<>=^")
    elif k < 0.4:
        s += rng.choice("<>=^")
    if rng.random() < 0.3:
        s += rng.choice("+- ")
    if rng.random() < 0.08:
        s += "z"
    if rng.random() < 0.2:
        s += "#"
    if rng.random() < 0.2:
        s += "0"
    if rng.random() < 0.5:
        s += str(rng.randint(0, 25))
    k = rng.random()
    if k < 0.1:
        s += ","
    elif k < 0.18:
        s += "_"
    elif k < 0.19:
        s += rng.choice([",_", "_,", ",,"])
    if rng.random() < 0.4:
        s += "." + str(rng.choice([rng.randint(0, 20), rng.randint(0, 20), rng.randint(20, 60)]))
    elif rng.random() < 0.02:
        s += "."
    if rng.random() < 0.8:
        s += "" if rng.random() < 0.15 else rng.choice(TYPES[kind])
    return s


def format_cases(n):
    out = []
    makers = [("int", rand_int), ("int", lambda: rng.choice([True, False])), ("float", rand_float),
              ("str", rand_str), ("complex", rand_complex)]
    weights = [30, 4, 40, 14, 12]
    for _ in range(n):
        kind, make = rng.choices(makers, weights)[0]
        v = make()
        spec = rand_spec(kind)
        out.append({"value": enc(v), "spec": spec, "result": outcome(lambda: format(v, spec))})
    return out


# ---------------------------------------------------------------------------------
# fmt % args, for str and bytes.

CONVERSIONS = "sdiuoxXeEfFgGcra"
BYTES_CONVERSIONS = "sbdiuoxXeEfFgGcra"


def arg_for(conv, is_bytes):
    k = rng.random()
    if k < 0.12:
        # Sometimes a value of the wrong kind.
        return rng.choice([rand_str(), rand_float(), rand_int(), None, (1, 2), [3], True])
    if conv in "sra":
        if is_bytes and conv == "s":
            return rng.choice([b"ab", b"", b"\xff x", rand_str().encode("utf-8")])
        return rng.choice([rand_str(), rand_int(), rand_float(), None, True, (1, "a"), [2.5], {"k": 1}])
    if conv == "b":
        return rng.choice([b"ab", b"", b"xyz\x00"])
    if conv in "diuoxX":
        return rng.choice([rand_int(), rand_int(), True, rand_float()])
    if conv in "eEfFgG":
        return rng.choice([rand_float(), rand_float(), rand_int()])
    if conv == "c":
        if is_bytes:
            return rng.choice([rng.randint(0, 255), b"q", 300, -1, "x"])
        return rng.choice([rng.randint(32, 0x2FFF), "é", "ab", 0x110000, -1, 65])
    return rand_int()


def rand_conversion(is_bytes, keyed):
    conv = rng.choice(BYTES_CONVERSIONS if is_bytes else CONVERSIONS)
    if rng.random() < 0.03:
        conv = rng.choice("y%bk")
    s = "%"
    key = None
    if keyed:
        key = rng.choice(["a", "b", "name", "x y"])
        s += "(" + key + ")"
    for flag in rng.sample("-+ #0", rng.randint(0, 3)):
        s += flag
    stars = 0
    k = rng.random()
    if k < 0.4:
        s += str(rng.randint(1, 20))
    elif k < 0.47 and not keyed:
        s += "*"
        stars += 1
    k = rng.random()
    if k < 0.3:
        s += "." + str(rng.randint(0, 15))
    elif k < 0.35 and not keyed:
        s += ".*"
        stars += 1
    if rng.random() < 0.05:
        s += rng.choice("hlL")
    s += conv
    return s, conv, key, stars


def percent_case(is_bytes):
    mode = rng.choices(["tuple", "single", "dict"], [70, 15, 15])[0]
    pieces = []
    args = []
    mapping = {}
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.3:
            pieces.append(rng.choice(["x", " | ", "abc", "%%", "é" if not is_bytes else "e", ""]))
            continue
        text, conv, key, stars = rand_conversion(is_bytes, mode == "dict")
        pieces.append(text)
        for _ in range(stars):
            args.append(rng.choice([rng.randint(-12, 12), rng.randint(0, 12), 2.0, "3"]))
        if key is not None:
            mapping[key] = arg_for(conv, is_bytes)
        else:
            args.append(arg_for(conv, is_bytes))
    if rng.random() < 0.04:
        pieces.append(rng.choice(["%", "%(", "%(a", "%5", "%.", "%-"]))
    fmt = "".join(pieces)
    if mode == "dict":
        a = mapping if rng.random() < 0.9 else {"zz": 1}
    elif mode == "single" and len(args) == 1 and not isinstance(args[0], tuple):
        a = args[0]
    else:
        a = tuple(args)
        k = rng.random()
        if k < 0.05 and a:
            a = a[:-1]
        elif k < 0.1:
            a = a + (rand_int(),)
    if is_bytes:
        fmt_b = fmt.encode("utf-8")
        return {"fmt": fmt_b.decode("latin-1"), "bytes": True, "args": enc(a),
                "result": outcome(lambda: fmt_b % a)}
    return {"fmt": fmt, "bytes": False, "args": enc(a), "result": outcome(lambda: fmt % a)}


def main():
    cases = {
        "python": sys.version.split()[0],
        "seed": SEED,
        "format": format_cases(2600),
        "percent": [percent_case(False) for _ in range(1600)] + [percent_case(True) for _ in range(400)],
    }
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "cases"), exist_ok=True)
    path = os.path.join(here, "cases", "format.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{path}: {len(cases['format'])} format() cases, {len(cases['percent'])} %-formatting cases")


if __name__ == "__main__":
    main()
