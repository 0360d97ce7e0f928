/*
 * An `Io` that keeps what is written in memory: how tests (and library users embedding
 * the command line) run pymemsim commands without a process.
 */
import { readTextFile, type Io } from './io.js';

export type MemoryIo = Io & { stdout: string; stderr: string };

/** `input`: the lines a command reading stdin (debug) gets; `stdin`: the bytes a simulated program reads. */
export function memoryIo(
  options: { input?: readonly string[]; stdin?: Uint8Array; interrupted?: () => boolean } = {},
): MemoryIo {
  let stdinAt = 0;
  const stdin = options.stdin;
  const io: MemoryIo = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readText: readTextFile,
    errIsTty: false,
    ...(options.input !== undefined ? { stdinLines: () => options.input ?? [] } : {}),
    ...(stdin !== undefined
      ? {
          readStdin: (max: number) => {
            const piece = stdin.subarray(stdinAt, stdinAt + max);
            stdinAt += piece.length;
            return piece;
          },
        }
      : {}),
    ...(options.interrupted !== undefined ? { interrupted: options.interrupted } : {}),
  };
  return io;
}
