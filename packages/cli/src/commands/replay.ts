/*
 * `pymemsim replay T`: refold the whole trace and compare the final state's hash with
 * the one recorded in its footer. Exit 0 when equal, 1 when not.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '@pymemsim/core';
import { readTrace, replayTrace } from '@pymemsim/replay';
import { paint, type Io } from '../io.js';

export function readTraceFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UserError('FILE_NOT_FOUND', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`, {
      cause,
    });
  }
}

export function replayCommand(path: string, json: boolean, io: Io): number {
  const contents = readTrace(readTraceFile(path), path);
  const result = replayTrace(contents);
  if (json) {
    io.out(JSON.stringify({ trace: path, ...result, recovered: contents.recovered ?? null }) + '\n');
    return result.ok ? 0 : 1;
  }
  if (contents.recovered !== undefined) io.err(`${paint(io).yellow('warning')}: ${contents.recovered.message}\n`);
  if (result.ok) {
    io.out(`${path}: ${result.events} events replayed; final state ${result.actual} matches the recording\n`);
    return 0;
  }
  const expected = result.expected ?? 'none recorded (the trace has no footer)';
  io.out(
    `${path}: ${result.events} events replayed; final state ${result.actual} differs from the recorded ${expected}\n`,
  );
  return 1;
}
