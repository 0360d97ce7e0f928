/*
 * The cli's door to the process: stdout, stderr, stdin, input files. Handlers take an
 * `Io` so tests can run them in memory (memoryIo.ts).
 *
 * The one place where stdout and stderr fail: `StdWriter`. Both are written with
 * synchronous writes to file descriptors 1 and 2 (the command runs in a worker thread,
 * bin/pymemsim.js, and synchronous writes keep what it prints in order, never buffer a
 * whole output in memory, and fail where they are made):
 *
 *   EPIPE (the reader went away: `| head -1`)   OUTPUT_CLOSED: nothing more is printed,
 *                                                the command ends quietly, exit 141
 *   any other failure (ENOSPC: `> /dev/full`)   FILE_WRITE: one line on stderr, exit 73
 *   EAGAIN (a non-blocking pipe is full)        wait a moment and write again
 *
 * stdout is buffered (64 KiB) unless it is a terminal, and flushed before anything goes
 * to stderr, before stdin is read and at the end. stdin is read the same way,
 * synchronously, only by the commands that read it (`debug`): a command that does not
 * read stdin never waits on it, whatever it is (a pipe, a file, a closed descriptor).
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import pc from 'picocolors';
import { UserError } from '@pymemsim/core';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readText(path: string): string;
  /** stderr is a terminal (progress bars, colour). */
  readonly errIsTty: boolean;
  /** Takes what `--json` prints as a value instead of its text (a caller in this process: the viewer's server). */
  readonly json?: (value: unknown) => void;
  /** The terminal's width, when stderr is one (progress bars fit in it). */
  readonly errColumns?: number;
  /** The user pressed Ctrl-C: long work stops cleanly (a run finishes its trace). */
  readonly interrupted?: () => boolean;
  /** Forget a Ctrl-C that was handled (the debugger stops one command and goes on). */
  readonly clearInterrupt?: () => void;
  /** The lines of stdin, read as they are needed (without their line ends). */
  readonly stdinLines?: () => Iterable<string>;
  /** Up to `max` bytes of stdin, as one read gives them; empty at its end (a simulated program's input). */
  readonly readStdin?: (max: number) => Uint8Array;
  /** stdin is a terminal (the debugger shows a prompt). */
  readonly inIsTty?: boolean;
  /** Write what stdout holds back (before waiting for input, and at the end). */
  readonly flush?: () => void;
  /** Where a progress bar draws (stderr, when it is a terminal). */
  readonly progressStream?: ProgressStream;
}

/** What cli-progress needs of a stream (it moves the cursor through node:readline, which writes). */
export interface ProgressStream {
  readonly isTTY: boolean;
  readonly columns: number;
  write(text: string): boolean;
}

/** Read a whole (small) text file: a program. A missing file is FILE_NOT_FOUND (66). */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw cannotRead(path, cause, 'a program');
  }
}

/** The user error for an input that cannot be opened or read. */
export function cannotRead(path: string, cause: unknown, what = 'a file'): UserError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError('FILE_NOT_FOUND', `${path}: no such file`, { cause });
  if (code === 'EISDIR') return new UserError('FILE_NOT_FOUND', `${path}: is a directory, not ${what}`, { cause });
  if (code === 'EACCES') return new UserError('FILE_NOT_FOUND', `${path}: permission denied`, { cause });
  return new UserError('FILE_NOT_FOUND', `${path}: cannot read (${code ?? String(cause)})`, { cause });
}

/** Describe a failed write in words: `no space left on device (ENOSPC)`. */
export function describeErrno(cause: unknown): string {
  const e = cause as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'is a directory',
    EBADF: 'not open for writing',
    EPIPE: 'the reader has gone (broken pipe)',
  };
  const code = e?.code;
  if (code !== undefined) return `${words[code] ?? e.message} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Block this thread for `ms` milliseconds (waiting for a full pipe to drain). */
export const pause = (ms: number): void => {
  Atomics.wait(sleeper, 0, 0, ms);
};

/**
 * stdout or stderr as a file descriptor written synchronously. `buffered`: hold back up
 * to 64 KiB (stdout that is not a terminal).
 */
export class StdWriter {
  private parts: string[] = [];
  private held = 0;
  /** Set once a write failed: what failed, kept so later writes fail the same way (or stay quiet). */
  failure: UserError | undefined;

  constructor(
    private readonly fd: number,
    readonly name: 'stdout' | 'stderr',
    private readonly buffered: boolean,
  ) {}

  write(text: string): void {
    if (this.failure !== undefined) {
      if (this.name === 'stderr') return; // nowhere left to say anything
      throw this.failure;
    }
    if (!this.buffered) {
      this.writeNow(text);
      return;
    }
    this.parts.push(text);
    this.held += text.length;
    if (this.held >= 1 << 16) this.flush();
  }

  /** Write what is held back; on stdout, a failure (now or before) is thrown. */
  flush(): void {
    if (this.failure !== undefined) {
      this.parts = [];
      this.held = 0;
      if (this.name === 'stdout') throw this.failure;
      return;
    }
    if (this.held === 0) return;
    const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
    this.parts = [];
    this.held = 0;
    this.writeNow(text);
  }

  private writeNow(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EINTR') {
          pause(2);
          continue;
        }
        this.failure =
          code === 'EPIPE' || (code === 'EBADF' && this.name === 'stdout')
            ? new UserError('OUTPUT_CLOSED', `${this.name} was closed by its reader`, { cause })
            : new UserError('FILE_WRITE', `cannot write to ${this.name}: ${describeErrno(cause)}`, { cause });
        if (this.name === 'stderr') return; // nowhere left to say it
        throw this.failure;
      }
    }
  }
}

/**
 * Up to `max` bytes of a file descriptor, read synchronously by one read (retried while a
 * non-blocking descriptor has nothing yet); empty at its end.
 */
export function fdRead(
  fd: number,
  max: number,
  hooks: { beforeRead?: () => void; waiting?: (on: boolean) => void; stop?: () => boolean } = {},
): Uint8Array {
  if (max <= 0) return new Uint8Array(0);
  const buf = Buffer.alloc(Math.min(max, 1 << 16));
  hooks.beforeRead?.();
  hooks.waiting?.(true);
  try {
    for (;;) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        return new Uint8Array(buf.buffer, buf.byteOffset, n);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EINTR') {
          if (hooks.stop?.() === true) return new Uint8Array(0); // Ctrl-C: the program sees the end of input
          pause(5);
          continue;
        }
        if (code === 'EOF' || code === 'EBADF') return new Uint8Array(0);
        throw new UserError('FILE_NOT_FOUND', `cannot read stdin: ${describeErrno(cause)}`, { cause });
      }
    }
  } finally {
    hooks.waiting?.(false);
  }
}

/** The lines of a file descriptor read synchronously, without their line ends (\n or \r\n). */
export function* fdLines(
  fd: number,
  hooks: { beforeRead?: () => void; waiting?: (on: boolean) => void; interrupted?: () => void } = {},
  maxLine = 1 << 20,
): Generator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const line = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);
  const readHooks = {
    ...(hooks.beforeRead !== undefined ? { beforeRead: hooks.beforeRead } : {}),
    ...(hooks.waiting !== undefined ? { waiting: hooks.waiting } : {}),
    // Ctrl-C while waiting on a non-blocking descriptor: the hook decides (it may throw).
    stop: () => {
      hooks.interrupted?.();
      return false;
    },
  };
  for (;;) {
    const piece = fdRead(fd, 1 << 16, readHooks);
    const n = piece.length;
    if (n === 0) break;
    pending += decoder.write(Buffer.from(piece.buffer, piece.byteOffset, n));
    let start = 0;
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n', start)) {
      yield line(pending.slice(start, i));
      start = i + 1;
    }
    pending = pending.slice(start);
    if (pending.length > maxLine) {
      throw new UserError('CLI_USAGE', `stdin: a line longer than ${maxLine} characters (no line end found)`);
    }
  }
  pending += decoder.end();
  if (pending !== '') yield line(pending);
}

export interface ProcessIoOptions {
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly stdinIsTty: boolean;
  /** stderr's width in columns, for progress bars. */
  readonly columns?: number;
  readonly interrupted?: () => boolean;
  readonly clearInterrupt?: () => void;
  /** Told when the command starts and stops waiting for stdin (Ctrl-C then ends it at once). */
  readonly waitingForInput?: (on: boolean) => void;
}

/** The process's stdout, stderr and stdin, written and read synchronously (see the header). */
export function processIo(options: ProcessIoOptions): Io & { flush(): void; stdout: StdWriter; stderr: StdWriter } {
  const stdout = new StdWriter(1, 'stdout', !options.stdoutIsTty);
  const stderr = new StdWriter(2, 'stderr', false);
  const flushOut = (): void => {
    try {
      stdout.flush();
    } catch {
      // kept in stdout.failure: the command's next write (or its end) reports it
    }
  };
  const io = {
    stdout,
    stderr,
    out: (text: string): void => stdout.write(text),
    err: (text: string): void => {
      flushOut();
      stderr.write(text);
    },
    readText: readTextFile,
    errIsTty: options.stderrIsTty,
    inIsTty: options.stdinIsTty,
    flush: (): void => stdout.flush(),
    stdinLines: () =>
      fdLines(0, {
        beforeRead: flushOut,
        // Ctrl-C while waiting for a line: the end of the command.
        interrupted: () => {
          if (options.interrupted?.() === true) throw new UserError('INTERRUPTED', 'interrupted (Ctrl-C)');
        },
        ...(options.waitingForInput !== undefined ? { waiting: options.waitingForInput } : {}),
      }),
    readStdin: (max: number) =>
      fdRead(0, max, {
        beforeRead: flushOut,
        stop: () => options.interrupted?.() === true,
        ...(options.waitingForInput !== undefined ? { waiting: options.waitingForInput } : {}),
      }),
    ...(options.interrupted !== undefined ? { interrupted: options.interrupted } : {}),
    ...(options.clearInterrupt !== undefined ? { clearInterrupt: options.clearInterrupt } : {}),
    ...(options.stderrIsTty ? { progressStream: progressStream(stderr, options.columns ?? 80) } : {}),
  };
  return io;
}

/** stderr for cli-progress, written through the StdWriter. */
function progressStream(stderr: StdWriter, columns: number): ProgressStream {
  return {
    isTTY: true,
    columns,
    write(text) {
      stderr.write(text);
      return true;
    },
  };
}

/** Run `fn` with a file opened for reading; the descriptor is closed after. */
export function withReadFd<T>(path: string, what: string, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw cannotRead(path, cause, what);
  }
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** Colours for stderr: only on a terminal, and never with NO_COLOR set. */
export const paint = (io: Io): ReturnType<typeof pc.createColors> =>
  pc.createColors(io.errIsTty && process.env['NO_COLOR'] === undefined);
