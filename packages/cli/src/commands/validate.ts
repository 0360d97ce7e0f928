/*
 * `pymemsim validate EVENTS`: a trace produced elsewhere, as JSON Lines in the external
 * schema `pymemsim-external/1` (check/external.ts; packages/replay/README.md), or the
 * JSON Lines export of a pymemsim trace (`pymemsim export --format jsonl`), replayed
 * against the model. Exit 0 valid; 1 invalid, naming the line of the first event the
 * model says cannot happen, with the model's view of the object beside it; 2 unreadable
 * (bad JSON: line and column; a record outside the schema).
 *
 * The input is read a piece at a time and checked line by line as it is read, so a file
 * of any size is validated in the memory of the objects alive in it; what an error
 * quotes of the input is cut short (external.ts, `quote`).
 */
import { readSync } from 'node:fs';
import { collectEvery } from '../heap.js';
import { UserError, checkInterrupt } from '@pymemsim/core';
import {
  ExternalFormatError,
  ExternalReader,
  ExternalValidator,
  MAX_QUOTE,
  cut,
  quote,
  type ExternalRecord,
} from '../check/external.js';
import { describeErrno, paint, withReadFd, type Io } from '../io.js';

/** The longest line read (a longer one is unreadable input, not a reason to run out of memory). */
export const MAX_LINE = 64 << 20;
/**
 * Bytes read at a time: small enough that the text decoded from them is an ordinary young
 * object (V8 puts strings over 128 KiB in its large-object space, freed only by a full
 * collection: 1 MiB pieces made the memory grow with the input).
 */
const READ_SIZE = 1 << 16;

/**
 * Every line of a file, with its number, read a piece at a time; calls `each` until it
 * returns false. Each piece is decoded up to its last line end (an ASCII byte, so never
 * inside a UTF-8 sequence); the bytes after it wait for the next piece.
 */
function eachLine(fd: number, path: string, each: (row: string, line: number) => boolean): void {
  let buffer = Buffer.allocUnsafe(READ_SIZE);
  let held = 0; // bytes of buffer[0..held) not yet decoded: a line's start
  let line = 0;
  let bytesRead = 0;
  const collect = collectEvery();
  for (;;) {
    checkInterrupt();
    collect(bytesRead);
    if (held === buffer.length) {
      if (held >= MAX_LINE) throw new ExternalFormatError(line + 1, 1, `the line is longer than ${MAX_LINE} bytes`);
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, held);
      buffer = grown;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, held, buffer.length - held, null);
    } catch (cause) {
      throw new UserError('FILE_NOT_FOUND', `${path}: cannot read (${describeErrno(cause)})`, { cause });
    }
    bytesRead += n;
    if (n === 0) {
      if (held > 0) each(buffer.toString('utf8', 0, held), line + 1); // the last line, without its end
      return;
    }
    const end = held + n;
    const last = buffer.lastIndexOf(10, end - 1); // the bytes before `held` hold no line end
    if (last < held) {
      held = end; // no line end yet: read on
      continue;
    }
    const text = buffer.toString('utf8', 0, last);
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      line += 1;
      if (!each(text.slice(start, i), line)) return;
      start = i + 1;
    }
    line += 1;
    if (!each(text.slice(start), line)) return;
    // The bytes after the last line end start the next piece.
    buffer.copy(buffer, 0, last + 1, end);
    held = end - last - 1;
  }
}

export function validateCommand(path: string, options: { json?: boolean }, io: Io): number {
  const reader = new ExternalReader();
  const validator = new ExternalValidator();
  try {
    withReadFd(path, 'a JSON Lines file', (fd) =>
      eachLine(fd, path, (row, line) => {
        for (const r of reader.push(row, line)) if (validator.feed(r, line) !== undefined) return false;
        return true;
      }),
    );
    reader.end();
  } catch (error) {
    if (!(error instanceof ExternalFormatError)) throw error;
    const message = cut(error.message, 4 * MAX_QUOTE);
    if (options.json === true) {
      io.out(`${JSON.stringify({ file: path, readable: false, line: error.line, column: error.column, message })}\n`);
    } else {
      io.err(`${path}:${error.line}:${error.column}: ${paint(io).red('unreadable')}: ${message}\n`);
    }
    return 2;
  }
  const result = validator.finish();
  if (options.json === true) {
    const v = result.violation;
    const shown =
      v?.record === undefined
        ? result
        : { ...result, violation: { ...v, record: small(v.record) ?? `${quote(v.record)}` } };
    io.out(`${JSON.stringify({ file: path, readable: true, input: reader.kind, ...shown }, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  const s = result.stats;
  const read = reader.kind === 'pymemsim-export' ? " (pymemsim's event log, as export --format jsonl writes it)" : '';
  if (result.ok) {
    io.out(
      `${path}: valid${read}: ${result.records} events, ${s.allocs} allocations, ${s.frees} frees, ${s.gcPasses} GC passes; ${s.aliveAtEnd} objects alive at the end, all held from a root\n`,
    );
    return 0;
  }
  const v = result.violation;
  if (v === undefined) return 1;
  io.out(`${path}:${v.line}: ${paint(io).red('invalid')}: ${v.message}\n`);
  if (v.record !== undefined) io.out(`  event: ${quote(v.record)}\n`);
  if (v.model !== undefined) {
    const m = v.model;
    const more = m.moreHolders === undefined ? '' : `, and ${m.moreHolders} more`;
    const holders = m.holders.length === 0 ? 'none' : m.holders.map((h) => cut(h, 80)).join(', ') + more;
    io.out(
      `  model: #${m.id} (${m.pyType}) ${m.alive ? 'alive' : 'freed'}, refcount ${m.refcount}, held by: ${holders}\n`,
    );
  }
  return 1;
}

/** A record as it is when its JSON is short, else undefined (the --json output then quotes it). */
function small(record: ExternalRecord): ExternalRecord | undefined {
  return JSON.stringify(record).length <= 4 * MAX_QUOTE ? record : undefined;
}
