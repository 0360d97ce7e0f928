"""Print the AST CPython's parser makes for a source file, as JSON.

Usage: python3.11 dumpast.py FILE
       python3.11 dumpast.py --batch < FILES   (one path a line)

The shape is the one of packages/interp/src/parse/pyast.ts: each node an object with
`k` (its `ast` class name), its fields, and its positions when it has them; operators
and contexts as their class names; constants as in dumpcode.py. Test tooling only.
"""
import ast
import json
import sys

from dumpcode import const

SIMPLE = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def node(n):
    if isinstance(n, list):
        return [node(x) for x in n]
    if isinstance(n, SIMPLE):
        return type(n).__name__
    if not isinstance(n, ast.AST):
        return n
    out = {"k": type(n).__name__}
    for field in n._fields:
        value = getattr(n, field, None)
        if field == "value" and isinstance(n, (ast.Constant, ast.MatchSingleton)):
            out[field] = const(value)
        else:
            out[field] = node(value)
    for attr in n._attributes:
        out[attr] = getattr(n, attr, None)
    return out


def batch():
    import warnings

    warnings.simplefilter("ignore")
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        with open(path, "rb") as f:
            source = f.read()
        try:
            out = {"file": path, "ast": node(ast.parse(source, path))}
        except SyntaxError as e:
            out = {
                "file": path,
                "error": {
                    "cls": type(e).__name__,
                    "msg": e.msg,
                    "lineno": e.lineno,
                    "offset": e.offset,
                    "end_lineno": e.end_lineno,
                    "end_offset": e.end_offset,
                },
            }
        except (ValueError, RecursionError, MemoryError) as e:
            out = {"file": path, "crash": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")


def main():
    if sys.argv[1] == "--batch":
        batch()
        return
    with open(sys.argv[1], "rb") as f:
        source = f.read()
    tree = ast.parse(source, sys.argv[1])
    json.dump(node(tree), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
