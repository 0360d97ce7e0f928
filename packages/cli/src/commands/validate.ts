/*
 * `pymemsim validate EVENTS`: a trace produced elsewhere, as JSON Lines in the external
 * schema `pymemsim-external/1` (check/external.ts; packages/replay/README.md), replayed
 * against the model. Exit 0 valid; 1 invalid, naming the line of the first event the
 * model says cannot happen, with the model's view of the object beside it; 2 unreadable
 * (bad JSON: line and column; a record outside the schema).
 */
import { ExternalFormatError, parseExternal, validateExternal } from '../check/external.js';
import { paint, type Io } from '../io.js';

export function validateCommand(path: string, options: { json?: boolean }, io: Io): number {
  const text = io.readText(path);
  let parsed: ReturnType<typeof parseExternal>;
  try {
    parsed = parseExternal(text);
  } catch (error) {
    if (!(error instanceof ExternalFormatError)) throw error;
    if (options.json === true) {
      io.out(
        `${JSON.stringify({ file: path, readable: false, line: error.line, column: error.column, message: error.message })}\n`,
      );
    } else {
      io.err(`${path}:${error.line}:${error.column}: ${paint(io).red('unreadable')}: ${error.message}\n`);
    }
    return 2;
  }
  const result = validateExternal(parsed.records, parsed.lines);
  if (options.json === true) {
    io.out(`${JSON.stringify({ file: path, readable: true, input: parsed.input, ...result }, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  const s = result.stats;
  const read = parsed.input === 'events' ? " (pymemsim's event log, as export --format jsonl writes it)" : '';
  if (result.ok) {
    io.out(
      `${path}: valid${read}: ${result.records} events, ${s.allocs} allocations, ${s.frees} frees, ${s.gcPasses} GC passes; ${s.aliveAtEnd} objects alive at the end, all held from a root\n`,
    );
    return 0;
  }
  const v = result.violation;
  if (v === undefined) return 1;
  io.out(`${path}:${v.line}: ${paint(io).red('invalid')}: ${v.message}\n`);
  if (v.record !== undefined) io.out(`  event: ${JSON.stringify(v.record)}\n`);
  if (v.model !== undefined) {
    const m = v.model;
    const holders = m.holders.length === 0 ? 'none' : m.holders.join(', ');
    io.out(
      `  model: #${m.id} (${m.pyType}) ${m.alive ? 'alive' : 'freed'}, refcount ${m.refcount}, held by: ${holders}\n`,
    );
  }
  return 1;
}
