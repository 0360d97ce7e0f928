/*
 * The cli's only door to the process: stdout, stderr, files. Handlers take an `Io`
 * so tests can run them in memory.
 */
import { readFileSync } from 'node:fs';
import pc from 'picocolors';
import { UserError } from '@pymemsim/core';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readText(path: string): string;
  /** stderr is a terminal (progress bars, colour). */
  readonly errIsTty: boolean;
  /** The terminal's width, when stderr is one (progress bars fit in it). */
  readonly errColumns?: number;
  /** The user pressed Ctrl-C: long work stops cleanly (a run finishes its trace). */
  readonly interrupted?: () => boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError('FILE_NOT_FOUND', `${path}: no such file`, { cause });
      if (code === 'EISDIR') throw new UserError('FILE_NOT_FOUND', `${path}: is a directory, not a program`, { cause });
      throw new UserError('FILE_NOT_FOUND', `${path}: cannot read (${code ?? String(cause)})`, { cause });
    }
  },
  errIsTty: process.stderr.isTTY,
};

/** Colours for stderr: only on a terminal, and never with NO_COLOR set. */
export const paint = (io: Io): ReturnType<typeof pc.createColors> =>
  pc.createColors(io.errIsTty && process.env['NO_COLOR'] === undefined);
