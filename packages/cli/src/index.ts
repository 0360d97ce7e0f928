export { runCli, buildProgram } from './main.js';
export type { Io } from './io.js';
