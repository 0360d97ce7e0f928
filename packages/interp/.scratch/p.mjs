import { parseModule } from './parse.js';
import { readFileSync } from 'node:fs';
const src = process.argv[2] === '-f' ? readFileSync(process.argv[3], 'utf8') : process.argv[2];
const r = parseModule(src);
const show = (x) => JSON.stringify(x, (k, v) => typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : k === 'span' ? undefined : v);
if (!process.env.Q) for (const s of r.module.body) console.log(show(s));
for (const d of r.diagnostics) console.log(d.code, JSON.stringify(d.message), d.span.start, d.span.end);
