# The node classes of _ast (made as Python-ast.c's make_type makes them), and what
# importing ast, inspect and dataclasses builds on them.
import ast
import sys

print(ast.Name, ast.Name.__mro__)
print(ast.BinOp._fields, ast.BinOp.__match_args__, ast.expr._attributes)
print(ast.FunctionDef.returns, ast.expr.end_lineno)
n = ast.BinOp(ast.Constant(1), ast.Add(), right=ast.Name('x', ast.Load()))
print(ast.dump(n))
print(n.__reduce__()[0] is ast.BinOp, sorted(n.__reduce__()[2]))
try:
    ast.Name(1, 2, 3)
except TypeError as e:
    print(e)
before = sys.getrefcount(ast.Load)
ctx = ast.Load()
print(sys.getrefcount(ast.Load) - before)
import inspect
def f(a, b=2, *args, c, **kw):
    pass
print(inspect.signature(f))
import dataclasses
@dataclasses.dataclass
class P:
    x: int
    y: int = 0
print(P(1), dataclasses.fields(P)[1].default)
try:
    int.__doc__ = 'x'
except TypeError as e:
    print(e)
