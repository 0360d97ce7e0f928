/*
 * The built-in object algorithms that do not need the interpreter: float arithmetic and
 * text, the format-spec mini-language, printf-style formatting, CPython's hash
 * functions and the set hash table. Each module is pure and tested against CPython.
 */
export * from './pyError.js';
export * from './floatOps.js';
export * from './formatSpec.js';
export * from './printf.js';
export * from './hash.js';
export * from './setTable.js';
