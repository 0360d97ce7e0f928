export * from './source.js';
export * from './format.js';
export * as objects from './objects/index.js';
export * from './run.js';
export * from './session.js';
export * from './demo.js';
export * from './limits.js';
export { STDLIB_PREFIX, stdlibFinder } from './stdlib.js';
export {
  runOnVM,
  setDefaultCompiler,
  VM,
  PyRaise as VMRaise,
  zipFinder,
  folderFinder,
  type Compiler,
  type VMRunResult,
  type ModuleFinder,
} from './vm/index.js';
export {
  compileSource,
  formatSyntaxError,
  syntaxErrorOf,
  type SyntaxErrorInfo,
  type CompiledSource,
} from './compile/source.js';
export {
  compileModule,
  compileExpression,
  disassemble,
  coLines,
  coPositions,
  parseExceptionTable,
  type CompileDiagnostic,
  type CompileOptions,
  type Position,
} from './compile/index.js';
export {
  codeToJson,
  codeFromJson,
  type CodeObject,
  type CodeJson,
  type Constant as CodeConstant,
} from './compile/code.js';
export { astFromJson, type Expr as PyExpr, type Module as PyModule } from './parse/pyast.js';
