/*
 * `pymemsim replay T`: refold the whole trace and compare the final state's hash with
 * the one recorded in its footer. Exit 0 when equal, 1 when not.
 */
import { indexTrace, replayIndexRecovering } from '@pymemsim/replay';
import { paint, type Io } from '../io.js';
import { openTraceSource, withProgress } from './common.js';

/**
 * Replay one chunk at a time (indexTrace over the file, replayIndexRecovering): a trace
 * of any length replays in the memory of one chunk and one state. A chunk whose body does
 * not decode (its CRC was right) ends the replay before it, with a warning saying what
 * was lost, as a damaged trace opens everywhere else.
 */
export function replayCommand(path: string, json: boolean, io: Io): number {
  const source = openTraceSource(path);
  try {
    const index = indexTrace(source, path);
    const { result, recovered } = withProgress(io, 'replaying', index.events, (progress) =>
      replayIndexRecovering(index, progress),
    );
    if (json) {
      io.out(JSON.stringify({ trace: path, ...result, state: undefined, recovered: recovered ?? null }) + '\n');
      return result.ok ? 0 : 1;
    }
    if (recovered !== undefined) io.err(`${paint(io).yellow('warning')}: ${recovered.message}\n`);
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
  } finally {
    source.close();
  }
}
