/*
 * _ast
 * ====
 * The node classes of Python's abstract syntax tree, as Python/Python-ast.c makes them
 * when `_ast` is imported (`ast.py` does `from _ast import *`): the base `AST` (its
 * `__init__` takes the fields positionally, then any attribute by keyword, as
 * ast_type_init; `__reduce__` as ast_type_reduce), then one heap type per node, made as
 * make_type makes it: `type(name, (base,), {'_fields': ..., '__match_args__': ...,
 * '__module__': 'ast', '__doc__': ...})`, `_attributes` on the abstract classes, and
 * None as the class attribute of every optional field and attribute (add_ast_fields,
 * init_types). The constants PyCF_ONLY_AST, PyCF_TYPE_COMMENTS and
 * PyCF_ALLOW_TOP_LEVEL_AWAIT.
 *
 * The classes are made by running a short Python text in the module's namespace, with
 * type() calls as make_type does; AST's two methods are Python functions here where
 * CPython has slot wrappers, and `compile(..., PyCF_ONLY_AST)` is not offered (ast.parse
 * raises): the classes are what importing ast, inspect and dataclasses needs.
 *
 * Source: Python/Python-ast.c (3.11: make_type, ast_type_init, ast_type_reduce,
 * add_ast_fields, init_types). NODES below was recorded from CPython 3.11's _ast (each
 * class's name, base, _fields, _attributes, __doc__, and its optional names).
 */
import { registerBuiltinModule } from '../vm/importlib.js';
import { C_TEMP } from '../vm/vm.js';

/** [name, base, _fields (null: inherited), _attributes (null: inherited), __doc__, optional names]. */
type NodeRow = readonly [string, string, readonly string[] | null, readonly string[] | null, string, readonly string[]];

const NODES: readonly NodeRow[] = [
  [
    'mod',
    'AST',
    [],
    [],
    'mod = Module(stmt* body, type_ignore* type_ignores)\n    | Interactive(stmt* body)\n    | Expression(expr body)\n    | FunctionType(expr* argtypes, expr returns)',
    [],
  ],
  ['Module', 'mod', ['body', 'type_ignores'], null, 'Module(stmt* body, type_ignore* type_ignores)', []],
  ['Interactive', 'mod', ['body'], null, 'Interactive(stmt* body)', []],
  ['Expression', 'mod', ['body'], null, 'Expression(expr body)', []],
  ['FunctionType', 'mod', ['argtypes', 'returns'], null, 'FunctionType(expr* argtypes, expr returns)', []],
  [
    'stmt',
    'AST',
    [],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'stmt = FunctionDef(identifier name, arguments args, stmt* body, expr* decorator_list, expr? returns, string? type_comment)\n     | AsyncFunctionDef(identifier name, arguments args, stmt* body, expr* decorator_list, expr? returns, string? type_comment)\n     | ClassDef(identifier name, expr* bases, keyword* keywords, stmt* body, expr* decorator_list)\n     | Return(expr? value)\n     | Delete(expr* targets)\n     | Assign(expr* targets, expr value, string? type_comment)\n     | AugAssign(expr target, operator op, expr value)\n     | AnnAssign(expr target, expr annotation, expr? value, int simple)\n     | For(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)\n     | AsyncFor(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)\n     | While(expr test, stmt* body, stmt* orelse)\n     | If(expr test, stmt* body, stmt* orelse)\n     | With(withitem* items, stmt* body, string? type_comment)\n     | AsyncWith(withitem* items, stmt* body, string? type_comment)\n     | Match(expr subject, match_case* cases)\n     | Raise(expr? exc, expr? cause)\n     | Try(stmt* body, excepthandler* handlers, stmt* orelse, stmt* finalbody)\n     | TryStar(stmt* body, excepthandler* handlers, stmt* orelse, stmt* finalbody)\n     | Assert(expr test, expr? msg)\n     | Import(alias* names)\n     | ImportFrom(identifier? module, alias* names, int? level)\n     | Global(identifier* names)\n     | Nonlocal(identifier* names)\n     | Expr(expr value)\n     | Pass\n     | Break\n     | Continue',
    ['end_lineno', 'end_col_offset'],
  ],
  [
    'FunctionDef',
    'stmt',
    ['name', 'args', 'body', 'decorator_list', 'returns', 'type_comment'],
    null,
    'FunctionDef(identifier name, arguments args, stmt* body, expr* decorator_list, expr? returns, string? type_comment)',
    ['returns', 'type_comment'],
  ],
  [
    'AsyncFunctionDef',
    'stmt',
    ['name', 'args', 'body', 'decorator_list', 'returns', 'type_comment'],
    null,
    'AsyncFunctionDef(identifier name, arguments args, stmt* body, expr* decorator_list, expr? returns, string? type_comment)',
    ['returns', 'type_comment'],
  ],
  [
    'ClassDef',
    'stmt',
    ['name', 'bases', 'keywords', 'body', 'decorator_list'],
    null,
    'ClassDef(identifier name, expr* bases, keyword* keywords, stmt* body, expr* decorator_list)',
    [],
  ],
  ['Return', 'stmt', ['value'], null, 'Return(expr? value)', ['value']],
  ['Delete', 'stmt', ['targets'], null, 'Delete(expr* targets)', []],
  [
    'Assign',
    'stmt',
    ['targets', 'value', 'type_comment'],
    null,
    'Assign(expr* targets, expr value, string? type_comment)',
    ['type_comment'],
  ],
  ['AugAssign', 'stmt', ['target', 'op', 'value'], null, 'AugAssign(expr target, operator op, expr value)', []],
  [
    'AnnAssign',
    'stmt',
    ['target', 'annotation', 'value', 'simple'],
    null,
    'AnnAssign(expr target, expr annotation, expr? value, int simple)',
    ['value'],
  ],
  [
    'For',
    'stmt',
    ['target', 'iter', 'body', 'orelse', 'type_comment'],
    null,
    'For(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)',
    ['type_comment'],
  ],
  [
    'AsyncFor',
    'stmt',
    ['target', 'iter', 'body', 'orelse', 'type_comment'],
    null,
    'AsyncFor(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)',
    ['type_comment'],
  ],
  ['While', 'stmt', ['test', 'body', 'orelse'], null, 'While(expr test, stmt* body, stmt* orelse)', []],
  ['If', 'stmt', ['test', 'body', 'orelse'], null, 'If(expr test, stmt* body, stmt* orelse)', []],
  [
    'With',
    'stmt',
    ['items', 'body', 'type_comment'],
    null,
    'With(withitem* items, stmt* body, string? type_comment)',
    ['type_comment'],
  ],
  [
    'AsyncWith',
    'stmt',
    ['items', 'body', 'type_comment'],
    null,
    'AsyncWith(withitem* items, stmt* body, string? type_comment)',
    ['type_comment'],
  ],
  ['Match', 'stmt', ['subject', 'cases'], null, 'Match(expr subject, match_case* cases)', []],
  ['Raise', 'stmt', ['exc', 'cause'], null, 'Raise(expr? exc, expr? cause)', ['exc', 'cause']],
  [
    'Try',
    'stmt',
    ['body', 'handlers', 'orelse', 'finalbody'],
    null,
    'Try(stmt* body, excepthandler* handlers, stmt* orelse, stmt* finalbody)',
    [],
  ],
  [
    'TryStar',
    'stmt',
    ['body', 'handlers', 'orelse', 'finalbody'],
    null,
    'TryStar(stmt* body, excepthandler* handlers, stmt* orelse, stmt* finalbody)',
    [],
  ],
  ['Assert', 'stmt', ['test', 'msg'], null, 'Assert(expr test, expr? msg)', ['msg']],
  ['Import', 'stmt', ['names'], null, 'Import(alias* names)', []],
  [
    'ImportFrom',
    'stmt',
    ['module', 'names', 'level'],
    null,
    'ImportFrom(identifier? module, alias* names, int? level)',
    ['module', 'level'],
  ],
  ['Global', 'stmt', ['names'], null, 'Global(identifier* names)', []],
  ['Nonlocal', 'stmt', ['names'], null, 'Nonlocal(identifier* names)', []],
  ['Expr', 'stmt', ['value'], null, 'Expr(expr value)', []],
  ['Pass', 'stmt', [], null, 'Pass', []],
  ['Break', 'stmt', [], null, 'Break', []],
  ['Continue', 'stmt', [], null, 'Continue', []],
  [
    'expr',
    'AST',
    [],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'expr = BoolOp(boolop op, expr* values)\n     | NamedExpr(expr target, expr value)\n     | BinOp(expr left, operator op, expr right)\n     | UnaryOp(unaryop op, expr operand)\n     | Lambda(arguments args, expr body)\n     | IfExp(expr test, expr body, expr orelse)\n     | Dict(expr* keys, expr* values)\n     | Set(expr* elts)\n     | ListComp(expr elt, comprehension* generators)\n     | SetComp(expr elt, comprehension* generators)\n     | DictComp(expr key, expr value, comprehension* generators)\n     | GeneratorExp(expr elt, comprehension* generators)\n     | Await(expr value)\n     | Yield(expr? value)\n     | YieldFrom(expr value)\n     | Compare(expr left, cmpop* ops, expr* comparators)\n     | Call(expr func, expr* args, keyword* keywords)\n     | FormattedValue(expr value, int conversion, expr? format_spec)\n     | JoinedStr(expr* values)\n     | Constant(constant value, string? kind)\n     | Attribute(expr value, identifier attr, expr_context ctx)\n     | Subscript(expr value, expr slice, expr_context ctx)\n     | Starred(expr value, expr_context ctx)\n     | Name(identifier id, expr_context ctx)\n     | List(expr* elts, expr_context ctx)\n     | Tuple(expr* elts, expr_context ctx)\n     | Slice(expr? lower, expr? upper, expr? step)',
    ['end_lineno', 'end_col_offset'],
  ],
  ['BoolOp', 'expr', ['op', 'values'], null, 'BoolOp(boolop op, expr* values)', []],
  ['NamedExpr', 'expr', ['target', 'value'], null, 'NamedExpr(expr target, expr value)', []],
  ['BinOp', 'expr', ['left', 'op', 'right'], null, 'BinOp(expr left, operator op, expr right)', []],
  ['UnaryOp', 'expr', ['op', 'operand'], null, 'UnaryOp(unaryop op, expr operand)', []],
  ['Lambda', 'expr', ['args', 'body'], null, 'Lambda(arguments args, expr body)', []],
  ['IfExp', 'expr', ['test', 'body', 'orelse'], null, 'IfExp(expr test, expr body, expr orelse)', []],
  ['Dict', 'expr', ['keys', 'values'], null, 'Dict(expr* keys, expr* values)', []],
  ['Set', 'expr', ['elts'], null, 'Set(expr* elts)', []],
  ['ListComp', 'expr', ['elt', 'generators'], null, 'ListComp(expr elt, comprehension* generators)', []],
  ['SetComp', 'expr', ['elt', 'generators'], null, 'SetComp(expr elt, comprehension* generators)', []],
  [
    'DictComp',
    'expr',
    ['key', 'value', 'generators'],
    null,
    'DictComp(expr key, expr value, comprehension* generators)',
    [],
  ],
  ['GeneratorExp', 'expr', ['elt', 'generators'], null, 'GeneratorExp(expr elt, comprehension* generators)', []],
  ['Await', 'expr', ['value'], null, 'Await(expr value)', []],
  ['Yield', 'expr', ['value'], null, 'Yield(expr? value)', ['value']],
  ['YieldFrom', 'expr', ['value'], null, 'YieldFrom(expr value)', []],
  ['Compare', 'expr', ['left', 'ops', 'comparators'], null, 'Compare(expr left, cmpop* ops, expr* comparators)', []],
  ['Call', 'expr', ['func', 'args', 'keywords'], null, 'Call(expr func, expr* args, keyword* keywords)', []],
  [
    'FormattedValue',
    'expr',
    ['value', 'conversion', 'format_spec'],
    null,
    'FormattedValue(expr value, int conversion, expr? format_spec)',
    ['format_spec'],
  ],
  ['JoinedStr', 'expr', ['values'], null, 'JoinedStr(expr* values)', []],
  ['Constant', 'expr', ['value', 'kind'], null, 'Constant(constant value, string? kind)', ['kind']],
  ['Attribute', 'expr', ['value', 'attr', 'ctx'], null, 'Attribute(expr value, identifier attr, expr_context ctx)', []],
  ['Subscript', 'expr', ['value', 'slice', 'ctx'], null, 'Subscript(expr value, expr slice, expr_context ctx)', []],
  ['Starred', 'expr', ['value', 'ctx'], null, 'Starred(expr value, expr_context ctx)', []],
  ['Name', 'expr', ['id', 'ctx'], null, 'Name(identifier id, expr_context ctx)', []],
  ['List', 'expr', ['elts', 'ctx'], null, 'List(expr* elts, expr_context ctx)', []],
  ['Tuple', 'expr', ['elts', 'ctx'], null, 'Tuple(expr* elts, expr_context ctx)', []],
  [
    'Slice',
    'expr',
    ['lower', 'upper', 'step'],
    null,
    'Slice(expr? lower, expr? upper, expr? step)',
    ['lower', 'upper', 'step'],
  ],
  ['expr_context', 'AST', [], [], 'expr_context = Load | Store | Del', []],
  ['Load', 'expr_context', [], null, 'Load', []],
  ['Store', 'expr_context', [], null, 'Store', []],
  ['Del', 'expr_context', [], null, 'Del', []],
  ['boolop', 'AST', [], [], 'boolop = And | Or', []],
  ['And', 'boolop', [], null, 'And', []],
  ['Or', 'boolop', [], null, 'Or', []],
  [
    'operator',
    'AST',
    [],
    [],
    'operator = Add | Sub | Mult | MatMult | Div | Mod | Pow | LShift | RShift | BitOr | BitXor | BitAnd | FloorDiv',
    [],
  ],
  ['Add', 'operator', [], null, 'Add', []],
  ['Sub', 'operator', [], null, 'Sub', []],
  ['Mult', 'operator', [], null, 'Mult', []],
  ['MatMult', 'operator', [], null, 'MatMult', []],
  ['Div', 'operator', [], null, 'Div', []],
  ['Mod', 'operator', [], null, 'Mod', []],
  ['Pow', 'operator', [], null, 'Pow', []],
  ['LShift', 'operator', [], null, 'LShift', []],
  ['RShift', 'operator', [], null, 'RShift', []],
  ['BitOr', 'operator', [], null, 'BitOr', []],
  ['BitXor', 'operator', [], null, 'BitXor', []],
  ['BitAnd', 'operator', [], null, 'BitAnd', []],
  ['FloorDiv', 'operator', [], null, 'FloorDiv', []],
  ['unaryop', 'AST', [], [], 'unaryop = Invert | Not | UAdd | USub', []],
  ['Invert', 'unaryop', [], null, 'Invert', []],
  ['Not', 'unaryop', [], null, 'Not', []],
  ['UAdd', 'unaryop', [], null, 'UAdd', []],
  ['USub', 'unaryop', [], null, 'USub', []],
  ['cmpop', 'AST', [], [], 'cmpop = Eq | NotEq | Lt | LtE | Gt | GtE | Is | IsNot | In | NotIn', []],
  ['Eq', 'cmpop', [], null, 'Eq', []],
  ['NotEq', 'cmpop', [], null, 'NotEq', []],
  ['Lt', 'cmpop', [], null, 'Lt', []],
  ['LtE', 'cmpop', [], null, 'LtE', []],
  ['Gt', 'cmpop', [], null, 'Gt', []],
  ['GtE', 'cmpop', [], null, 'GtE', []],
  ['Is', 'cmpop', [], null, 'Is', []],
  ['IsNot', 'cmpop', [], null, 'IsNot', []],
  ['In', 'cmpop', [], null, 'In', []],
  ['NotIn', 'cmpop', [], null, 'NotIn', []],
  [
    'comprehension',
    'AST',
    ['target', 'iter', 'ifs', 'is_async'],
    [],
    'comprehension(expr target, expr iter, expr* ifs, int is_async)',
    [],
  ],
  [
    'excepthandler',
    'AST',
    [],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'excepthandler = ExceptHandler(expr? type, identifier? name, stmt* body)',
    ['end_lineno', 'end_col_offset'],
  ],
  [
    'ExceptHandler',
    'excepthandler',
    ['type', 'name', 'body'],
    null,
    'ExceptHandler(expr? type, identifier? name, stmt* body)',
    ['type', 'name'],
  ],
  [
    'arguments',
    'AST',
    ['posonlyargs', 'args', 'vararg', 'kwonlyargs', 'kw_defaults', 'kwarg', 'defaults'],
    [],
    'arguments(arg* posonlyargs, arg* args, arg? vararg, arg* kwonlyargs, expr* kw_defaults, arg? kwarg, expr* defaults)',
    ['vararg', 'kwarg'],
  ],
  [
    'arg',
    'AST',
    ['arg', 'annotation', 'type_comment'],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'arg(identifier arg, expr? annotation, string? type_comment)',
    ['annotation', 'type_comment', 'end_lineno', 'end_col_offset'],
  ],
  [
    'keyword',
    'AST',
    ['arg', 'value'],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'keyword(identifier? arg, expr value)',
    ['arg', 'end_lineno', 'end_col_offset'],
  ],
  [
    'alias',
    'AST',
    ['name', 'asname'],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'alias(identifier name, identifier? asname)',
    ['asname', 'end_lineno', 'end_col_offset'],
  ],
  [
    'withitem',
    'AST',
    ['context_expr', 'optional_vars'],
    [],
    'withitem(expr context_expr, expr? optional_vars)',
    ['optional_vars'],
  ],
  [
    'match_case',
    'AST',
    ['pattern', 'guard', 'body'],
    [],
    'match_case(pattern pattern, expr? guard, stmt* body)',
    ['guard'],
  ],
  [
    'pattern',
    'AST',
    [],
    ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'],
    'pattern = MatchValue(expr value)\n        | MatchSingleton(constant value)\n        | MatchSequence(pattern* patterns)\n        | MatchMapping(expr* keys, pattern* patterns, identifier? rest)\n        | MatchClass(expr cls, pattern* patterns, identifier* kwd_attrs, pattern* kwd_patterns)\n        | MatchStar(identifier? name)\n        | MatchAs(pattern? pattern, identifier? name)\n        | MatchOr(pattern* patterns)',
    [],
  ],
  ['MatchValue', 'pattern', ['value'], null, 'MatchValue(expr value)', []],
  ['MatchSingleton', 'pattern', ['value'], null, 'MatchSingleton(constant value)', []],
  ['MatchSequence', 'pattern', ['patterns'], null, 'MatchSequence(pattern* patterns)', []],
  [
    'MatchMapping',
    'pattern',
    ['keys', 'patterns', 'rest'],
    null,
    'MatchMapping(expr* keys, pattern* patterns, identifier? rest)',
    ['rest'],
  ],
  [
    'MatchClass',
    'pattern',
    ['cls', 'patterns', 'kwd_attrs', 'kwd_patterns'],
    null,
    'MatchClass(expr cls, pattern* patterns, identifier* kwd_attrs, pattern* kwd_patterns)',
    [],
  ],
  ['MatchStar', 'pattern', ['name'], null, 'MatchStar(identifier? name)', ['name']],
  ['MatchAs', 'pattern', ['pattern', 'name'], null, 'MatchAs(pattern? pattern, identifier? name)', ['pattern', 'name']],
  ['MatchOr', 'pattern', ['patterns'], null, 'MatchOr(pattern* patterns)', []],
  ['type_ignore', 'AST', [], [], 'type_ignore = TypeIgnore(int lineno, string tag)', []],
  ['TypeIgnore', 'type_ignore', ['lineno', 'tag'], null, 'TypeIgnore(int lineno, string tag)', []],
];

const pyStr = (s: string): string => JSON.stringify(s);
const pyTuple = (items: readonly string[]): string =>
  items.length === 0 ? '()' : `(${items.map(pyStr).join(', ')}${items.length === 1 ? ',' : ''})`;

/** The module's text: AST, then each node class by type(), then the compile flags. */
function moduleText(): string {
  const lines = [
    'class AST:',
    "    __module__ = 'ast'",
    '    _fields = ()',
    '    _attributes = ()',
    '    __match_args__ = ()',
    '    def __init__(self, *args, **kwargs):',
    '        fields = type(self)._fields',
    '        if len(args) > len(fields):',
    "            raise TypeError(f\"{type(self).__name__} constructor takes at most {len(fields)} positional argument{'' if len(fields) == 1 else 's'}\")",
    '        for name, value in zip(fields, args):',
    '            setattr(self, name, value)',
    '        for name, value in kwargs.items():',
    '            setattr(self, name, value)',
    '    def __reduce__(self):',
    "        d = getattr(self, '__dict__', None)",
    '        return (type(self), (), d) if d else (type(self), ())',
  ];
  for (const [name, base, fields, attrs, doc, optional] of NODES) {
    const entries = [`'__module__': 'ast'`, `'__doc__': ${pyStr(doc)}`];
    if (fields !== null) entries.push(`'_fields': ${pyTuple(fields)}`, `'__match_args__': ${pyTuple(fields)}`);
    if (attrs !== null) entries.push(`'_attributes': ${pyTuple(attrs)}`);
    for (const o of optional) entries.push(`${pyStr(o)}: None`);
    lines.push(`${name} = type(${pyStr(name)}, (${base},), {${entries.join(', ')}})`);
  }
  lines.push('PyCF_ONLY_AST = 1024', 'PyCF_TYPE_COMMENTS = 4096', 'PyCF_ALLOW_TOP_LEVEL_AWAIT = 8192');
  return lines.join('\n') + '\n';
}

let text: string | undefined;

registerBuiltinModule('_ast', (vm, _module, dict) => {
  text ??= moduleText();
  const code = vm.compileToCode(text, '<frozen _ast>', 'exec', C_TEMP);
  try {
    const fn = vm.newFunction(code, dict, C_TEMP);
    try {
      vm.rt.decref(vm.runCode(fn, dict, C_TEMP), C_TEMP);
    } finally {
      vm.rt.decref(fn, C_TEMP);
    }
  } finally {
    vm.rt.decref(code, C_TEMP);
  }
});
