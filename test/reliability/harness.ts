/*
 * Driving the built `pymemsim` command as a user would: stdin closed, piped (and left
 * open), or from a file; stdout captured, a full device, a pipe whose reader went away,
 * or a file; signals; a time limit. Every outcome says how long the command took and
 * whether it had to be killed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'packages', 'cli', 'bin', 'pymemsim.js');

/** The newest modification time of the TypeScript sources under `dir`. */
function newest(dir: string, ext: string): number {
  let best = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) best = Math.max(best, newest(p, ext));
    else if (entry.name.endsWith(ext)) best = Math.max(best, statSync(p).mtimeMs);
  }
  return best;
}

/**
 * The suite tests the command as it is installed (bin and dist/): build it first when a
 * source is newer than its output (`pnpm build`, tsc -b, does nothing when it is not).
 */
export function ensureBuilt(): void {
  const stale = ['core', 'interp', 'replay', 'cli'].some((pkg) => {
    const dist = join(ROOT, 'packages', pkg, 'dist');
    return !existsSync(dist) || newest(join(ROOT, 'packages', pkg, 'src'), '.ts') > newest(dist, '.js');
  });
  if (!stale) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pnpm build failed:\n${r.stdout}${r.stderr}`);
}

/** What stdin is. */
export type Stdin =
  | { readonly kind: 'closed' } // `<&-`: no file descriptor 0 at all
  | { readonly kind: 'pipe'; readonly text?: string; readonly keepOpen?: boolean } // a pipe (left open: a script that never closes it)
  | { readonly kind: 'file'; readonly path: string } // `< file`
  | { readonly kind: 'null' }; // </dev/null

/** What stdout is. */
export type Stdout =
  | { readonly kind: 'capture' }
  | { readonly kind: 'full' } // > /dev/full
  | { readonly kind: 'closed' } // | head -0: the reader is gone before anything is written
  | { readonly kind: 'file'; readonly path: string };

export interface RunOptions {
  readonly stdin?: Stdin;
  readonly stdout?: Stdout;
  readonly cwd?: string;
  /** Kill (SIGKILL) after this long: the command hangs (default 150 s: the machine may be busy). */
  readonly timeoutMs?: number;
  /** Called once the process is started (to signal it, write to it ...). */
  readonly started?: (child: ChildProcess) => void;
}

export interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from start to exit. */
  readonly ms: number;
  /** It did not end by itself within the time limit and was killed. */
  readonly hung: boolean;
}

const DEFAULT_TIMEOUT = 150_000;

/** Run `pymemsim ...args` and wait for it. */
export function pymemsim(args: readonly string[], options: RunOptions = {}): Promise<Outcome> {
  const stdin = options.stdin ?? { kind: 'null' };
  const stdout = options.stdout ?? { kind: 'capture' };
  const fds: number[] = [];
  const open = (path: string, flags: string): number => {
    const fd = openSync(path, flags);
    fds.push(fd);
    return fd;
  };
  const inSpec = stdin.kind === 'pipe' ? 'pipe' : stdin.kind === 'file' ? open(stdin.path, 'r') : 'ignore';
  const outSpec =
    stdout.kind === 'full' ? open('/dev/full', 'w') : stdout.kind === 'file' ? open(stdout.path, 'w') : 'pipe';
  // A closed stdin needs a shell: Node always opens descriptor 0 for a child.
  const [command, argv] =
    stdin.kind === 'closed'
      ? ['/bin/sh', ['-c', 'exec "$0" "$@" <&-', process.execPath, BIN, ...args]]
      : [process.execPath, [BIN, ...args]];
  const start = Date.now();
  const child = spawn(command, argv, {
    cwd: options.cwd ?? ROOT,
    stdio: [inSpec, outSpec, 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  for (const fd of fds) closeSync(fd);
  let out = '';
  let err = '';
  if (stdout.kind === 'closed') child.stdout?.destroy();
  else child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  if (stdin.kind === 'pipe') {
    child.stdin?.on('error', () => undefined); // the command may end without reading
    if (stdin.text !== undefined) child.stdin?.write(stdin.text);
    if (stdin.keepOpen !== true) child.stdin?.end();
  }
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? DEFAULT_TIMEOUT);
  options.started?.(child);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stdin.kind === 'pipe') child.stdin?.destroy();
      resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - start, hung });
    });
  });
}

/** A JavaScript stack trace (a frame line, or Node's report of an unhandled error). */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\))$|node:internal|Unhandled 'error' event|\bNode\.js v\d+/m;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
