"""CPython's tree and code objects for many source files at once, as JSON lines.

Usage: python3.11 oracle.py [--filename NAME] FILE...   (or file paths on stdin with -)
       python3.11 oracle.py --eval < EXPRESSIONS   (one JSON string a line: compile(s, '<string>', 'eval'))

One line per file: {"path": FILE, "ast": <dumpast.py's tree>, "code": <dumpcode.py's
code object>, "ids": <constant identities>} or {"path": FILE, "error": {...}} when
CPython rejects it. "ids" lists, for every code object in compile order, the id()
class of each constant (a tuple's items nested): equal numbers mean the same object, which is how the tests check
that the compiler merges constants into one object where CPython does.
Test tooling only: nothing in pymemsim runs this at run time.
"""
import ast
import json
import sys
import types
import warnings

from dumpast import node
from dumpcode import code


def ident(c, table):
    """The identity class of a constant; a tuple's items follow in brackets. A frozenset
    is "fs": code object creation (intern_string_constants) rebuilds it, once per code
    object, when interning replaced one of its strings, which depends on the strings the
    process interned before (the runtime's state, not the compiler's merging)."""
    if type(c) is frozenset:
        return "fs"
    n = table.setdefault(id(c), len(table))
    if type(c) is tuple and c:
        return [n, [ident(x, table) for x in c]]
    return n


def identities(co, table):
    out = [ident(c, table) for c in co.co_consts]
    result = [out]
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            result.extend(identities(c, table))
    return result


def one(path, filename):
    with open(path, "rb") as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as e:
        return {"path": path, "parse_error": str(e)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            co = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as e:
        return {
            "path": path,
            "ast": node(tree),
            "error": {
                "msg": e.msg,
                "lineno": e.lineno,
                "offset": e.offset,
                "end_lineno": e.end_lineno,
                "end_offset": e.end_offset,
            },
        }
    keep = [co]  # keep the objects alive so id() stays unique
    return {"path": path, "ast": node(tree), "code": code(co), "ids": identities(co, {}), "_": len(keep)}


def one_eval(source):
    tree = ast.parse(source, "<string>", mode="eval")
    co = compile(source, "<string>", "eval", dont_inherit=True)
    return {"path": source, "ast": node(tree.body), "code": code(co), "ids": identities(co, {})}


def main():
    args = sys.argv[1:]
    if args == ["--eval"]:
        for line in sys.stdin:
            if line.strip():
                sys.stdout.write(json.dumps(one_eval(json.loads(line))) + "\n")
        return
    filename = None
    if args[:1] == ["--filename"]:
        filename = args[1]
        args = args[2:]
    if args == ["-"]:
        args = [line.strip() for line in sys.stdin if line.strip()]
    sys.setrecursionlimit(10000)
    for path in args:
        try:
            rec = one(path, filename or path)
        except RecursionError:
            rec = {"path": path, "parse_error": "recursion"}
        sys.stdout.write(json.dumps(rec))
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
