/*
 * The parser of the bytecode pipeline: Python 3.11 source (decoded as CPython decodes
 * source files) to the `ast` tree of pyast.ts. See parser.ts for the passes.
 */
export { parse, type ParseResult } from './parser.js';
export { astToJson } from './astJson.js';
export * from './pyast.js';
export { decodeSource, type DecodedSource } from './decode.js';
