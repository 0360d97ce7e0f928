import { parseModule } from './parse.js';
import { readFileSync } from 'node:fs';
const srcs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const exp = JSON.parse(readFileSync(process.argv[3], 'utf8'));
let bad = 0;
srcs.forEach((s, i) => {
  const r = parseModule(s);
  const syn = r.diagnostics.filter(d => d.code === 'PY_SYNTAX');
  const uns = r.diagnostics.filter(d => d.code === 'PY_UNSUPPORTED');
  const got = syn.length ? syn[0].message : null;
  const e0 = exp[i];
  const e = Array.isArray(e0) ? e0[0] : e0;
  const line = syn.length ? s.slice(0, syn[0].span.start).split('\n').length : 0;
  const ok = e === null ? syn.length === 0 : got === e;
  if (ok && Array.isArray(e0) && line !== e0[1]) console.log('LINE', JSON.stringify(s), 'py', e0[1], 'us', line, got);
  if (!ok || process.env.V) { bad += ok ? 0 : 1; console.log(ok ? 'ok  ' : 'FAIL', JSON.stringify(s), '\n     py:', JSON.stringify(e), '\n     us:', JSON.stringify(syn.map(d=>d.message)), uns.length ? 'UNS ' + JSON.stringify(uns.map(d=>d.message)) : ''); }
});
console.log(bad, 'mismatches of', srcs.length);
