/*
 * The import table: what `import M` allocates in pymemsim and in CPython 3.11
 * ===========================================================================
 * Prints, as a Markdown table, the counters of stdlibImports.ts for every module of
 * STDLIB_MODULES: CPython's (python3 -I -S, a fresh process per module) beside
 * pymemsim's (a fresh VM per module), and pymemsim's traced allocation count. This is
 * the table of docs/stdlib-imports.md.
 *
 *   pnpm build && node packages/bench/dist/importTable.js [--python PYTHON] [MODULE...]
 */
import {
  STDLIB_MODULES,
  cpythonCounts,
  pymemsimCounts,
  removeScratch,
  traceCounts,
  type ImportCounts,
} from './stdlibImports.js';

function main(argv: readonly string[]): number {
  let python = 'python3';
  const modules: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--python') {
      const p = argv[++i];
      if (p === undefined) {
        process.stderr.write('importTable: --python needs an interpreter\n');
        return 2;
      }
      python = p;
    } else if (a.startsWith('-')) {
      process.stderr.write(`importTable: unknown option ${a}\n`);
      return 2;
    } else modules.push(a);
  }
  const count = (c: ImportCounts): string => `(${c.count.join(', ')})`;
  const rows = [
    '| module | blocks CPython | blocks pymemsim | tracked CPython | tracked pymemsim | gc.get_count() CPython | gc.get_count() pymemsim | modules CPython | modules pymemsim | pymemsim allocations (trace) |',
    '|---|--:|--:|--:|--:|---|---|--:|--:|--:|',
  ];
  process.stdout.write(rows.join('\n') + '\n');
  try {
    for (const m of modules.length > 0 ? modules : STDLIB_MODULES) {
      process.stderr.write(`importTable: ${m}\n`);
      const c = cpythonCounts(m, python);
      const s = pymemsimCounts(m);
      const t = traceCounts(m);
      process.stdout.write(
        `| ${m} | ${c.blocks} | ${s.blocks} | ${c.tracked} | ${s.tracked} | ${count(c)} | ${count(s)} | ` +
          `${c.modules} | ${s.modules} | ${t.allocations} |\n`,
      );
    }
  } catch (e) {
    process.stderr.write(`importTable: ${e instanceof Error ? e.message : String(e)}\n`);
    return 70;
  } finally {
    removeScratch();
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
