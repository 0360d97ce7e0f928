/*
 * Where a trace's bytes come from
 * ===============================
 * The reader (reader.ts) and the timeline (timeline.ts) read a trace through a
 * `ByteSource`: bytes already in memory (`memorySource`: tests, traces built with
 * encodeTrace), or a file read piece by piece with positioned reads (`fileSource`), so
 * that a trace of any length (up to the format's 4 GiB) is opened, replayed, searched and
 * exported in the memory of one chunk at a time, never of the whole file.
 *
 * A file source reads what the file held when it was opened (its size then): a trace
 * still being written opens as one cut short there.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export interface ByteSource {
  /** The number of bytes. */
  readonly size: number;
  /**
   * The bytes from `offset`, at most `length` of them (fewer at the end). For a memory
   * source a view of its bytes; for a file, a fresh buffer.
   */
  read(offset: number, length: number): Uint8Array;
  /** Release the file (a memory source has nothing to release). Idempotent. */
  close(): void;
  /** Reads are views of bytes held anyway (memory): keeping one costs nothing. */
  readonly views: boolean;
}

/** Bytes in memory as a source: reads are views, nothing is copied. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    close: () => undefined,
    views: true,
  };
}

/**
 * A file as a source. Opening throws the file system's error (ENOENT ...) as it is: the
 * caller names the file and says what went wrong.
 */
export function fileSource(path: string): ByteSource {
  let fd: number | undefined = openSync(path, 'r');
  let size: number;
  let whole: Uint8Array | undefined;
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory())
      throw Object.assign(new Error(`EISDIR: is a directory, read '${path}'`), { code: 'EISDIR' });
    // A pipe or a device (`/dev/stdin` from a pipe) cannot be read at positions: read it whole.
    if (!stat.isFile()) whole = readFileSync(fd);
    size = stat.size;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (whole !== undefined) {
    closeSync(fd);
    return memorySource(whole);
  }
  return {
    size,
    views: false,
    read(offset, length) {
      if (fd === undefined) throw new Error(`${path} was closed`);
      const n = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) break; // the file shrank since it was opened
        done += got;
      }
      return done === n ? out : out.subarray(0, done);
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

/** A source for bytes or a source (the reader's entry points take either). */
export const toSource = (input: Uint8Array | ByteSource): ByteSource =>
  input instanceof Uint8Array ? memorySource(input) : input;
