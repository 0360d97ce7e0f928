import fc from 'fast-check';
import { parseModule } from './parse.js';
import { resolveModule } from './resolve.js';
import { readFileSync, readdirSync } from 'node:fs';
const dir = '/work/shared/conformance';
const corpus = readdirSync(dir).filter(f => f.endsWith('.py')).map(f => readFileSync(`${dir}/${f}`, 'utf8'));
const check = (src) => {
  const r = parseModule(src);
  for (const d of r.diagnostics) {
    if (!(d.span.start >= 0 && d.span.end <= src.length + 1 && d.span.start <= d.span.end)) throw new Error('bad span ' + JSON.stringify(d) + ' len ' + src.length);
  }
  if (r.diagnostics.length === 0) resolveModule(r.module);
};
const TOKENS = ['def', 'class', 'if', 'else', 'elif', 'for', 'in', 'while', 'try', 'except', 'finally', 'return', 'lambda', 'not', 'and', 'or', 'is', 'yield', 'with', 'async', 'await', 'global', 'nonlocal', 'del', 'import', 'from', 'as', 'pass', 'break', 'continue', 'raise', 'assert', 'print', 'x', 'y', '_', '1', '1.', '.5', '0x1', '1j', '1_', "'a'", '"b"', "f'{x}'", "f'{", 'b"\\x00"', "'''", '(', ')', '[', ']', '{', '}', ':', ',', ';', '.', '=', '==', '+=', '*', '**', '@', '->', ':=', '<', '>', '!', '\\', '#c', '\n', '    ', '\t', ' ', '%', '-', '~', '|', '&', '^', '//', '...', '\r\n', '\u00e9', '€', '\0'];
const N = Number(process.env.N ?? 2000);
fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => { check(s); }), { numRuns: N });
fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (a) => { check(a.join(' ')); check(a.join('')); }), { numRuns: N });
fc.assert(fc.property(fc.nat(corpus.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.constantFrom(...TOKENS, '', '')), { minLength: 1, maxLength: 4 }), (i, edits) => {
  let s = corpus[i];
  for (const [at, len, ins] of edits) { const p = at % (s.length + 1); s = s.slice(0, p) + ins + s.slice(p + len); }
  check(s);
}), { numRuns: N });
console.log('fuzz ok');
