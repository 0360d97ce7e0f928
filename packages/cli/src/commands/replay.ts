/*
 * `pymemsim replay T`: refold the whole trace and compare the final state's hash with
 * the one recorded in its footer. Exit 0 when equal, 1 when not.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '@pymemsim/core';
import { indexTrace, readTrace, replayIndex, replayTrace, type ReplayResult, type Recovery } from '@pymemsim/replay';
import { paint, type Io } from '../io.js';
import { withProgress } from './common.js';

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
  const bytes = readTraceFile(path);
  const { contents, result } = replayBytes(bytes, path, io);
  if (json) {
    io.out(JSON.stringify({ trace: path, ...result, recovered: contents.recovered ?? null }) + '\n');
    return result.ok ? 0 : 1;
  }
  if (contents.recovered !== undefined) io.err(`${paint(io).yellow('warning')}: ${contents.recovered.message}\n`);
  if (result.ok) {
    io.out(`${path}: ${result.events} events replayed; final state ${result.actual} matches the recording\n`);
    return 0;
  }
  io.out(
    result.expected === undefined
      ? `${path}: ${result.events} events replayed; final state ${result.actual}, with no recorded state to compare (the trace has no footer)\n`
      : `${path}: ${result.events} events replayed; final state ${result.actual} differs from the recorded ${result.expected}\n`,
  );
  return 1;
}

/**
 * Replay one chunk at a time (indexTrace + replayIndex): a long trace replays in the
 * memory of its bytes and one state, instead of every event decoded at once (which also
 * spends most of its time in V8's garbage collector). A chunk whose body does not decode
 * (its CRC was right) sends the replay to readTrace, which recovers the chunks before it
 * and says what was lost, as it always has.
 */
function replayBytes(
  bytes: Uint8Array,
  path: string,
  io: Io,
): { contents: { readonly recovered?: Recovery }; result: ReplayResult } {
  const index = indexTrace(bytes, path);
  try {
    // A bar on a terminal, moving chunk by chunk as the fold goes.
    return { contents: index, result: withProgress(io, 'replaying', index.events, (p) => replayIndex(index, p)) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const contents = readTrace(bytes, path);
    return { contents, result: replayTrace(contents) };
  }
}
