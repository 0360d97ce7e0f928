export * from './ast.js';
export * from './parse.js';
export * from './source.js';
export * from './interpreter.js';
export * from './run.js';
export * from './demo.js';
export * from './session.js';
