/*
 * Output files: the one place where a command opens a file to write
 * ==================================================================
 * Every file a command writes (`run`'s trace, `export -o`, `check`'s failure traces) is
 * opened here, so that each is either complete or absent, never half-written over what
 * was there, and never one of the command's own inputs:
 *
 * - An output that is one of the command's inputs (the same file, by device and inode,
 *   whatever the path says: `run -o prog.py prog.py`, `export t.pmt -o t.pmt`, a link)
 *   is refused before anything is written: FILE_WRITE (exit 73), the input untouched.
 * - `openOutput` (atomic): the data goes to a temporary file in the same folder
 *   (`.NAME.PID-RANDOM.tmp`), renamed over NAME by `commit()` once it is complete. Until
 *   then the old NAME, if any, is untouched; `discard()` (an error, Ctrl-C) removes the
 *   temporary file. Two commands writing NAME at once each write their own temporary
 *   file; the last rename wins and NAME is always one complete file.
 * - `openStreamingOutput` (a recording): the file must be readable while it grows (a run
 *   killed at any moment keeps every chunk written, packages/replay/README.md). Its first
 *   write (the trace header) goes to a temporary file renamed over NAME at once, so NAME
 *   never exists empty; later writes append. A lock file `NAME.lock` (holding the
 *   writer's process id) keeps a second writer out: it is refused with the first one's
 *   pid. A lock left by a process that no longer exists (killed) is taken over.
 * - A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
 *   written directly: there is nothing to replace.
 *
 * Every failure to create, write or rename is a one-line FILE_WRITE (exit 73) naming the
 * file and the reason (`no space left on device (ENOSPC)`). Outputs still open when a
 * command fails are discarded by `discardOpenOutputs()` (main.ts); the process's main
 * thread removes the temporary files of a command it had to stop by force
 * (`setOutputObserver`, bin/pymemsim.js).
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '@pymemsim/core';
import { describeErrno, pause } from './io.js';

export interface OutputOptions {
  /** The files the command reads: an output that is one of them is refused. */
  readonly inputs?: readonly string[];
  /** What is written, for messages ("trace", "export"). */
  readonly what?: string;
  /** How the user named it, for messages (default: "-o PATH"). */
  readonly flag?: string;
}

/** Told when a temporary file is created (true) and when it is gone (false). */
export type OutputObserver = (tempPath: string, exists: boolean) => void;

let observer: OutputObserver | undefined;
const openOutputs = new Set<OutputFile>();

/** Watch temporary files come and go (the main thread removes what a forced stop leaves). */
export function setOutputObserver(next: OutputObserver | undefined): void {
  observer = next;
}

/** Discard every output still open (a command failed or was interrupted). Returns their paths. */
export function discardOpenOutputs(): string[] {
  const paths: string[] = [];
  for (const out of [...openOutputs]) {
    if (out.discard()) paths.push(out.path);
  }
  return paths;
}

/** A file being written; see the header for the two kinds. */
export class OutputFile {
  readonly path: string;
  private fd: number | undefined;
  /** The temporary file while it is one (atomic: until commit; streaming: until the first write). */
  private temp: string | undefined;
  private lock: string | undefined;
  private written = 0;

  constructor(
    path: string,
    private readonly streaming: boolean,
    private readonly options: OutputOptions,
  ) {
    this.path = path;
    const existing = statOrUndefined(path);
    refuseInputs(path, existing, options);
    if (existing !== undefined && !existing.isFile()) {
      this.fd = this.open(path, 'w'); // a device or a FIFO: nothing to replace
      openOutputs.add(this);
      return;
    }
    if (streaming) this.lock = takeLock(path, options);
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      this.fd = this.open(temp, 'wx');
    } catch (error) {
      this.releaseLock();
      throw error;
    }
    this.temp = temp;
    observer?.(temp, true);
    openOutputs.add(this);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Append text (UTF-8) or bytes; a failure is FILE_WRITE naming the file. */
  write(data: string | Uint8Array): void {
    const fd = this.fd;
    if (fd === undefined) throw new UserError('FILE_WRITE', `cannot write ${this.path}: it is closed`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    try {
      while (done < bytes.length) {
        try {
          done += writeSync(fd, bytes, done, bytes.length - done);
        } catch (cause) {
          const code = (cause as NodeJS.ErrnoException).code;
          if (code !== 'EAGAIN' && code !== 'EINTR') throw cause;
          pause(2);
        }
      }
    } catch (cause) {
      this.discard();
      throw new UserError('FILE_WRITE', `cannot write ${this.path}: ${describeErrno(cause)}`, { cause });
    }
    this.written += bytes.length;
    // A recording appears under its name as soon as it has its first bytes (the header).
    if (this.streaming && this.temp !== undefined) this.moveIntoPlace();
  }

  /** Flush to the disk (a recording's chunks survive a power loss too). */
  sync(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'EROFS') return; // a device or a pipe: nothing to sync
      this.discard();
      throw new UserError('FILE_WRITE', `cannot write ${this.path}: ${describeErrno(cause)}`, { cause });
    }
  }

  /** The output is complete: close it and put it in place. */
  commit(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      closeSync(fd);
      if (this.temp !== undefined) this.moveIntoPlace();
    } catch (cause) {
      this.fd = undefined;
      this.removeTemp();
      this.releaseLock();
      openOutputs.delete(this);
      if (cause instanceof UserError) throw cause;
      throw new UserError('FILE_WRITE', `cannot write ${this.path}: ${describeErrno(cause)}`, { cause });
    }
    this.releaseLock();
    openOutputs.delete(this);
  }

  /**
   * Close without putting it in place: an atomic output's temporary file is removed (the
   * old file stays); a recording keeps what it wrote (it opens as a trace cut short).
   * Returns true when something was discarded. Idempotent.
   */
  discard(): boolean {
    const fd = this.fd;
    const hadTemp = this.temp !== undefined;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the descriptor goes either way
      }
    }
    this.removeTemp();
    this.releaseLock();
    openOutputs.delete(this);
    return fd !== undefined && hadTemp;
  }

  private moveIntoPlace(): void {
    const temp = this.temp;
    if (temp === undefined) return;
    try {
      renameSync(temp, this.path);
    } catch (cause) {
      throw new UserError('FILE_WRITE', `cannot create ${this.path}: ${describeErrno(cause)}`, { cause });
    }
    this.temp = undefined;
    observer?.(temp, false);
  }

  private removeTemp(): void {
    const temp = this.temp;
    if (temp === undefined) return;
    this.temp = undefined;
    unlinkIfThere(temp);
    observer?.(temp, false);
  }

  private releaseLock(): void {
    const lock = this.lock;
    if (lock === undefined) return;
    this.lock = undefined;
    unlinkIfThere(lock);
  }

  private open(path: string, flags: string): number {
    try {
      return openSync(path, flags, 0o666);
    } catch (cause) {
      throw new UserError('FILE_WRITE', `cannot create ${this.path}: ${describeErrno(cause)}`, { cause });
    }
  }
}

/** An output written whole and put in place when complete (see the header). */
export function openOutput(path: string, options: OutputOptions = {}): OutputFile {
  return new OutputFile(path, false, options);
}

/** An output readable while it grows, kept by a lock (a recording; see the header). */
export function openStreamingOutput(path: string, options: OutputOptions = {}): OutputFile {
  return new OutputFile(path, true, options);
}

const statOrUndefined = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

function refuseInputs(path: string, existing: Stats | undefined, options: OutputOptions): void {
  if (existing === undefined || !existing.isFile()) return;
  for (const input of options.inputs ?? []) {
    const s = statOrUndefined(input);
    if (s !== undefined && s.dev === existing.dev && s.ino === existing.ino) {
      const flag = options.flag ?? `-o ${path}`;
      const same = input === path ? input : `${input} (${path} is the same file)`;
      throw new UserError(
        'FILE_WRITE',
        `${flag}: the ${options.what ?? 'output'} would overwrite ${same}, which this command reads; choose another file`,
      );
    }
  }
}

/** Whether process `pid` exists (on this machine). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take NAME.lock for a recording; refuse when a live process holds it. Returns the lock's path. */
function takeLock(path: string, options: OutputOptions): string {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o666);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserError('FILE_WRITE', `cannot create ${path}: ${describeErrno(cause)}`, { cause });
      }
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return lock;
    }
    // Held: by a live process (refuse), or left by one that is gone (take it over).
    let text = '';
    let age = 0;
    try {
      text = readFileSync(lock, 'utf8');
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    const pid = Number(text.trim());
    const holder = Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    if (holder !== undefined ? alive(holder) && holder !== process.pid : age < 5000) {
      if (holder === undefined) {
        pause(50); // being written this very moment
        continue;
      }
      throw new UserError(
        'FILE_WRITE',
        `${options.flag ?? `-o ${path}`}: ${path} is being written by another pymemsim (process ${holder}); ` +
          `wait for it to finish or choose another file`,
      );
    }
    // Stale: move it aside (only one taker can), then try to take it again.
    const aside = `${lock}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
    try {
      renameSync(lock, aside);
      unlinkSync(aside);
    } catch {
      // another process took it over first
    }
  }
  throw new UserError('FILE_WRITE', `cannot lock ${path} for writing: ${lock} keeps changing`);
}

/** Remove a file of ours (a temporary, a lock), if it is still there. */
function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
