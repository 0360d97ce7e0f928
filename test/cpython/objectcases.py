#!/usr/bin/env python3
"""Record CPython 3.11's answers for hashes, float arithmetic and set order.

Writes test/cpython/cases/objects.json:
  hash     hash() of ints, floats, complex numbers, strs (1-, 2- and 4-byte forms),
           bytes, tuples, frozensets and ranges;
  float    repr, %, //, divmod, **, round(x, n), round(x) and int / int results
           (as repr text, or the exception raised);
  sets     random sequences of adds and discards of ints and strs, with the set's
           iteration order afterwards, its sys.getsizeof, and the order set.pop()
           empties it in.
str and bytes hashes depend on the hash secret: the script runs itself under
PYTHONHASHSEED=0 (an all-zero SipHash key), the key pymemsim simulates.

Usage: python3 test/cpython/objectcases.py   (run once; commit the JSON)
"""
import json
import math
import os
import random
import struct
import sys

assert sys.version_info[:2] == (3, 11), "CPython 3.11 required"
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

SEED = 1729
rng = random.Random(SEED)


def fl(x):
    return repr(x)


def outcome(f):
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - every exception is part of the record
        return {"err": type(e).__name__, "msg": str(e)}
    return {"ok": r}


def rand_float():
    k = rng.random()
    if k < 0.25:
        return rng.uniform(-100, 100)
    if k < 0.45:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-20, 20)
    if k < 0.6:
        return float(rng.randint(-20, 20))
    if k < 0.7:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 0.5, -0.5, 2.5, 1e308, 5e-324,
                           6.283185307179586, 0.1, 1e16, 1e-5, 123.456])
    while True:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if not math.isnan(x):
            return x


def rand_str():
    alphabet = rng.choice(["abcxyz_019", "éàß€", "日本語漢字", "𝄞😀", "a€😀"])
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def hash_cases():
    out = []
    for _ in range(150):
        v = rng.choice([rng.randint(-1000, 1000), rng.randint(-2**70, 2**70), 2**61 - 1, 2**61, -(2**61),
                        -1, -2, 2**63, 10**30])
        out.append({"kind": "int", "v": str(v), "hash": str(hash(v))})
    for _ in range(150):
        v = rand_float()
        if math.isnan(v):
            continue
        out.append({"kind": "float", "v": fl(v), "hash": str(hash(v))})
    for _ in range(60):
        re, im = rand_float(), rand_float()
        if math.isnan(re) or math.isnan(im):
            continue
        out.append({"kind": "complex", "re": fl(re), "im": fl(im), "hash": str(hash(complex(re, im)))})
    for _ in range(150):
        s = rand_str()
        out.append({"kind": "str", "v": s, "hash": str(hash(s))})
    for _ in range(60):
        b = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20)))
        out.append({"kind": "bytes", "v": b.decode("latin-1"), "hash": str(hash(b))})
    for _ in range(80):
        items = [rng.choice([rng.randint(-50, 50), rand_str(), rng.randint(-2**64, 2**64)])
                 for _ in range(rng.randint(0, 5))]
        t = tuple(items)
        out.append({"kind": "tuple", "items": [["int", str(x)] if isinstance(x, int) else ["str", x] for x in t],
                    "hash": str(hash(t))})
    for _ in range(60):
        items = list({rng.choice([rng.randint(-50, 50), rand_str()]) for _ in range(rng.randint(0, 8))})
        f = frozenset(items)
        out.append({"kind": "frozenset",
                    "items": [["int", str(x)] if isinstance(x, int) else ["str", x] for x in items],
                    "hash": str(hash(f))})
    for _ in range(30):
        r = range(rng.randint(-20, 20), rng.randint(-20, 20), rng.choice([1, 2, 3, -1, -2]))
        if len(r) < 2:
            continue
        out.append({"kind": "range", "start": r.start, "stop": r.stop, "step": r.step, "hash": str(hash(r))})
    return out


def float_cases():
    out = []
    for _ in range(300):
        a, b = rand_float(), rand_float()
        if rng.random() < 0.15:
            b = rng.choice([0.0, -0.0, 1.0, -1.0, 2.0, 0.5])
        rec = {"a": fl(a), "b": fl(b)}
        rec["mod"] = outcome(lambda: fl(a % b))
        rec["floordiv"] = outcome(lambda: fl(a // b))
        rec["divmod"] = outcome(lambda: [fl(x) for x in divmod(a, b)])
        if not (a < 0 and math.isfinite(a) and math.isfinite(b) and b != math.floor(b)):
            rec["pow"] = outcome(lambda: fl(a ** b))
        n = rng.randint(-12, 20)
        rec["n"] = n
        rec["round"] = outcome(lambda: fl(round(a, n)))
        rec["round0"] = outcome(lambda: str(round(a)))
        rec["repr"] = fl(a)
        out.append(rec)
    for _ in range(100):
        x = rng.choice([rng.randint(-10**30, 10**30), rng.randint(-2**60, 2**60), rng.randint(-100, 100)])
        y = rng.choice([rng.randint(-10**30, 10**30), rng.randint(1, 2**60), rng.randint(-100, 100), 3, 7])
        out.append({"ia": str(x), "ib": str(y), "truediv": outcome(lambda: fl(x / y))})
    return out


def set_cases():
    out = []
    for _ in range(120):
        ops = []
        s = set()
        pool_ints = rng.choice([list(range(-10, 40)), [rng.randint(-10**6, 10**6) for _ in range(40)],
                                [rng.randint(0, 2**64) for _ in range(30)]])
        pool_strs = [rand_str() for _ in range(20)]
        for _ in range(rng.randint(1, 60)):
            v = rng.choice(pool_ints) if rng.random() < 0.6 else rng.choice(pool_strs)
            op = "add" if rng.random() < 0.7 else "discard"
            getattr(s, op)(v)
            ops.append([op, "int" if isinstance(v, int) else "str", str(v) if isinstance(v, int) else v])
        order = [["int", str(x)] if isinstance(x, int) else ["str", x] for x in s]
        size = sys.getsizeof(s)
        pops = []
        while s:
            x = s.pop()
            pops.append(["int", str(x)] if isinstance(x, int) else ["str", x])
        out.append({"ops": ops, "order": order, "getsizeof": size, "pops": pops})
    return out


def main():
    cases = {"python": sys.version.split()[0], "seed": SEED, "hash": hash_cases(), "float": float_cases(),
             "sets": set_cases()}
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "cases"), exist_ok=True)
    path = os.path.join(here, "cases", "objects.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{path}: {len(cases['hash'])} hashes, {len(cases['float'])} float cases, {len(cases['sets'])} sets")


if __name__ == "__main__":
    main()
