/*
 * An `Io` that keeps what is written in memory: how tests (and library users embedding
 * the command line) run pymemsim commands without a process.
 */
import { processIo, type Io } from './io.js';

export type MemoryIo = Io & { stdout: string; stderr: string };

export function memoryIo(): MemoryIo {
  const io: MemoryIo = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readText: (path: string) => processIo.readText(path),
    errIsTty: false,
  };
  return io;
}
