#!/usr/bin/env node
// The pymemsim command. The TypeScript sources are compiled by `pnpm build` (run by `pnpm install`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('pymemsim is not built yet: run `pnpm install` (or `pnpm build`) at the repository root\n');
  process.exit(70);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
