/*
 * Writing a trace file
 * ====================
 * `TraceWriter` appends a trace to a file as the program runs, with synchronous writes
 * to a file descriptor: a chunk handed to the operating system is in the file even if
 * pymemsim is killed a moment later, and with `fsync: true` it is on the disk before
 * the call returns. A run that never reaches finish() (a crash, Ctrl-C, a full disk)
 * leaves a trace without a footer, which the reader opens with every complete chunk.
 *
 * Read first: write(), flush(), finish(), abort().
 *
 * Vocabulary:
 * - open: bytes may still be appended. finish() and abort() close the writer, and so
 *   does a failed write (the error is kept in `failure`).
 * - recordTo(writer): an RxJS observer that writes the events of a stream, e.g.
 *   `runtime.events$.subscribe(recordTo(writer))`; `record(writer)` is the same as an
 *   operator, for pipelines that want a write failure as a stream error.
 *
 * Invariants: the file always holds a prefix of the bytes of the finished trace; after
 * flush() returns, it holds every event written so far in complete chunks.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { Defect, UserError, type HeapState, type MemEvent } from '@pymemsim/core';
import { tap, type MonoTypeOperatorFunction, type Observer } from 'rxjs';
import { TraceEncoder, type EncoderOptions } from './encoder.js';
import type { TraceHeader } from './format.js';

export interface WriterOptions extends EncoderOptions {
  /** fsync after each record, so that a chunk survives a power loss too (default false). */
  readonly fsync?: boolean;
}

/**
 * Where a writer's bytes go when it is not given a path: a file opened by someone else
 * (the command line opens every output in one place). `write` appends synchronously and
 * throws on failure (a UserError is kept as the writer's failure as it is); `close` is
 * called by finish() (complete) and `abandon` by abort() and after a failed write.
 */
export interface TraceSink {
  readonly path: string;
  write(bytes: Uint8Array): void;
  sync?(): void;
  close(): void;
  abandon?(): void;
}

/** A sink writing to a file descriptor it opened (`new TraceWriter(path, ...)`). */
function fileSink(path: string): TraceSink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new UserError('FILE_WRITE', `cannot create the trace file ${path}: ${messageOf(error)}`, { cause: error });
  }
  return {
    path,
    write(bytes) {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    },
    sync: () => fsyncSync(fd),
    close: () => closeSync(fd),
  };
}

export class TraceWriter {
  readonly path: string;
  /** Why the writer closed itself: a write to the file failed. */
  failure: UserError | undefined;
  private sink: TraceSink | undefined;
  private readonly encoder: TraceEncoder;
  private readonly fsync: boolean;

  /** Creates (or truncates) the file at `path`, or takes a sink, and writes the header at once. */
  constructor(target: string | TraceSink, header: TraceHeader, options: WriterOptions = {}) {
    this.sink = typeof target === 'string' ? fileSink(target) : target;
    this.path = this.sink.path;
    this.fsync = options.fsync ?? false;
    this.encoder = new TraceEncoder(options);
    this.append([this.encoder.start(header)]);
  }

  /** Events written so far (flushed or pending). */
  get events(): number {
    return this.encoder.events;
  }

  /** The fold of the events written so far (unless the writer was made with `fold: false`). */
  get state(): HeapState | undefined {
    return this.encoder.state;
  }

  get closed(): boolean {
    return this.sink === undefined;
  }

  /** Add one event; a full chunk goes to the file at once. */
  write(event: MemEvent): void {
    this.checkOpen();
    this.append(this.encoder.push(event));
  }

  /** Write the pending events as a (short) chunk now. */
  flush(): void {
    this.checkOpen();
    this.append(this.encoder.flush());
  }

  /**
   * Write the last chunk, the footer and the end marker, and close the file. The footer's
   * final hash is that of `finalState` when given, else of the writer's own fold.
   */
  finish(finalState?: HeapState): void {
    this.checkOpen();
    this.append(this.encoder.finish(finalState));
    this.close(true);
  }

  /** Write the pending events and close without a footer (an interrupted run). Idempotent. */
  abort(): void {
    if (this.sink === undefined) return;
    try {
      this.append(this.encoder.flush());
    } finally {
      this.close(false);
    }
  }

  private append(parts: readonly Uint8Array[]): void {
    const sink = this.sink;
    if (sink === undefined || parts.length === 0) return;
    try {
      for (const bytes of parts) sink.write(bytes);
      if (this.fsync) sink.sync?.();
    } catch (error) {
      this.failure =
        error instanceof UserError
          ? error
          : new UserError('FILE_WRITE', `cannot write the trace file ${this.path}: ${messageOf(error)}`, {
              cause: error,
            });
      this.close(false);
      throw this.failure;
    }
  }

  /** Close the sink: complete (finish) or abandoned (abort, a failed write). */
  private close(complete: boolean): void {
    const sink = this.sink;
    if (sink === undefined) return;
    this.sink = undefined;
    if (complete || sink.abandon === undefined) sink.close();
    else sink.abandon();
  }

  private checkOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.sink === undefined) throw new Defect(`the trace writer for ${this.path} is closed`);
  }
}

/**
 * An observer that writes every event of a stream to `writer`: `complete` finishes the
 * trace (hashing the writer's own fold), `error` aborts it, keeping the complete chunks.
 * A failed write closes the writer and is kept in `writer.failure` (an observer cannot
 * throw: RxJS would report the error asynchronously); later events are ignored.
 */
export function recordTo(writer: TraceWriter): Observer<MemEvent> {
  const guarded = (action: () => void): void => {
    if (writer.failure !== undefined) return;
    try {
      action();
    } catch (error) {
      if (!(error instanceof UserError) || error !== writer.failure) throw error;
    }
  };
  return {
    next: (event) => guarded(() => writer.write(event)),
    error: () => guarded(() => writer.abort()),
    complete: () => guarded(() => writer.finish()),
  };
}

/** The events pass through unchanged and are written to `writer`; a failed write errors the stream. */
export function record(writer: TraceWriter): MonoTypeOperatorFunction<MemEvent> {
  return tap({
    next: (event) => writer.write(event),
    error: () => writer.abort(),
    complete: () => writer.finish(),
  });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
