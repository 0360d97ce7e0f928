export { runCli, buildProgram } from './main.js';
export type { Io } from './io.js';
export * from './check/index.js';
export { checkCommand, type CheckOptions } from './commands/check.js';
export { validateCommand } from './commands/validate.js';
export { memoryIo, type MemoryIo } from './memoryIo.js';
