import { parseModule } from './parse.js';
import { readFileSync } from 'node:fs';
const srcs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const exp = JSON.parse(readFileSync(process.argv[3], 'utf8'));
function norm(x) {
  if (typeof x === 'bigint') return String(x);
  if (x instanceof Uint8Array) return Array.from(x);
  if (x === undefined) return null;
  if (Array.isArray(x)) return x.map(norm);
  if (x !== null && typeof x === 'object') {
    const o = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'span') o[k] = norm(v);
    if (x.k === 'Float') o.value = String(x.value);
    if (x.k === 'Call') { o.args = [...x.args.filter(a => a.k === 'pos' || a.k === 'star'), ...x.args.filter(a => a.k === 'kw' || a.k === 'starstar')].map(norm); }
    if (x.k === 'expr' && x.conv === undefined) o.conv = null;
    if (x.k === 'expr' && x.spec === undefined) o.spec = null;
    return o;
  }
  return x;
}
function pyFloat(s) { return s; }
let bad = 0;
srcs.forEach((src, i) => {
  const r = parseModule(src);
  const e = exp[i];
  if (e.error !== undefined) { if (!r.diagnostics.length) { bad++; console.log('FAIL (py error)', JSON.stringify(src), e.error); } return; }
  if (r.diagnostics.length) { bad++; console.log('FAIL (our diag)', JSON.stringify(src).slice(0, 200), r.diagnostics.map(d => d.message)); return; }
  let a = JSON.stringify(norm(r.module.body));
  // floats: python repr vs JS String
  const b = JSON.stringify(e);
  const a2 = a.replace(/"k":"Float","value":"([^"]*)"/g, (m, v) => `"k":"Float","value":"${Number(v)}"`);
  const b2 = b.replace(/"k":"Float","value":"([^"]*)"/g, (m, v) => `"k":"Float","value":"${Number(v)}"`);
  if (a2 !== b2) { bad++; console.log('FAIL', JSON.stringify(src).slice(0, 300)); 
    let j = 0; while (a2[j] === b2[j]) j++; console.log('  us:', a2.slice(Math.max(0, j - 150), j + 150)); console.log('  py:', b2.slice(Math.max(0, j - 150), j + 150)); }
});
console.log(bad, 'mismatches of', srcs.length);
