export { VM, PyRaise, C_TEMP, RAISED, RECURSION_LIMIT, type VMOptions } from './vm.js';
export { runOnVM, setDefaultCompiler, type Compiler, type RunOptions, type VMRunResult } from './run.js';
export { decode, type DecodedCode } from './decode.js';
export { zipFinder, folderFinder, registerBuiltinModule, type ModuleFinder, type FoundSource } from './importlib.js';
