export * from './ast.js';
export * from './parse.js';
export * from './resolve.js';
export * from './source.js';
export * from './values.js';
export * from './format.js';
export * as objects from './objects/index.js';
export * from './interpreter.js';
import './builtins.js';
import './weakrefs.js';
export * from './run.js';
export * from './session.js';
export * from './demo.js';
export {
  runOnVM,
  setDefaultCompiler,
  VM,
  zipFinder,
  folderFinder,
  type Compiler,
  type VMRunResult,
  type ModuleFinder,
} from './vm/index.js';
export { codeFromJson, codeToJson, type CodeObject, type CodeJson } from './compile/code.js';
