/*
 * The command's output when it runs in a worker thread (bin/pymemsim.js).
 *
 * A worker's `process.stdout` and `process.stderr` are streams that hand their data to
 * the main thread and wait for its acknowledgement, which reaches the worker only when
 * the worker's event loop turns. A simulation runs synchronously from start to end, so
 * everything after its first write would wait for the end of the run: a program's
 * second line, the progress bars, all at once. Here the worker writes to the process's
 * file descriptors 1 and 2 itself, synchronously, so what the program prints appears
 * when it prints it, in order with stderr, and a progress bar moves while the work runs.
 *
 * A descriptor in non-blocking mode (a pipe whose reader is slow) answers EAGAIN: the
 * write waits a moment and tries again, so a slow reader slows the run instead of
 * losing output. A reader that went away (EPIPE: `pymemsim ... | head -1`) ends that
 * output quietly: later writes to it are dropped.
 */
import { writeSync } from 'node:fs';
import { processIo, type Io } from './io.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Write all of `text` to `fd`; false when the reader has gone (EPIPE). */
export function writeAllSync(fd: number, text: string): boolean {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 2); // the reader is behind: wait 2 ms, then try again
        continue;
      }
      if (code === 'EPIPE') return false;
      throw error;
    }
  }
  return true;
}

export interface WorkerIoOptions {
  readonly errIsTty: boolean;
  readonly errColumns?: number;
  /** The main thread's Ctrl-C flag. */
  readonly interrupted?: () => boolean;
}

/** An Io writing straight to descriptors 1 and 2. */
export function workerIo(options: WorkerIoOptions): Io {
  const closed = [false, false, false];
  const write = (fd: 1 | 2, text: string): void => {
    if (closed[fd] === true || text === '') return;
    if (!writeAllSync(fd, text)) closed[fd] = true;
  };
  return {
    ...processIo,
    out: (text) => write(1, text),
    err: (text) => write(2, text),
    errIsTty: options.errIsTty,
    ...(options.errColumns !== undefined ? { errColumns: options.errColumns } : {}),
    ...(options.interrupted !== undefined ? { interrupted: options.interrupted } : {}),
  };
}
