#!/usr/bin/env node
// The pymemsim command. The TypeScript sources are compiled by `pnpm build` (run by `pnpm install`).
//
// The VM runs Python calls without JavaScript recursion, but a call from a simulated C
// function back into Python (repr() of a class with __repr__, a sort key, __eq__ inside a
// dict lookup) nests JavaScript frames, as CPython nests C frames; to reach the recursion
// limit (up to 10000) that way needs a deeper stack than Node's main thread has, so the
// command runs in a worker thread with a large stack. The worker writes stdout and stderr and reads
// stdin itself, synchronously, through file descriptors 0, 1 and 2 (dist/io.js): this
// thread never touches them, so that a command that does not read stdin never waits on
// it, and a full disk or a closed pipe is reported by the command, in one line.
//
// This thread only watches: Ctrl-C sets a flag the worker polls (long work stops
// cleanly, a run finishes its trace); a second Ctrl-C, or the first while the worker
// waits for input, stops everything at once, removing the temporary files of outputs
// the worker had not finished (a worker blocked reading stdin cannot be stopped, so the
// process then ends by the SIGINT itself).
//
// But `debug` with a terminal for stdin runs on this thread: it runs no Python (no deep
// stack needed) and edits the line being typed (node:readline), which needs the
// terminal's raw mode, which only the main thread can set.
import { existsSync, unlinkSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// A run allocates fast and keeps little: by default V8 lets its old generation grow to
// about five times what is live before a full collection, so a long run (a program
// printing a gigabyte) peaked at 396 MB while holding under 100. Growing by 30% at most
// keeps the peak near what is held (measured: 307 -> 187 MB printing 400 MB, at the same
// speed). Only for `run`: the readers of a trace keep much alive (the viewer's
// checkpoints), and collecting that often slowed the viewer's pass over a 10M-event trace
// by 15 to 45%. V8's flags are the process's: the worker started below has it too.
if (isMainThread && process.argv[2] === 'run') setFlagsFromString('--heap-growing-percent=30');

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  writeSync(2, 'pymemsim is not built yet: run `pnpm install` (or `pnpm build`) at the repository root\n');
  process.exit(70);
}

/** Flags shared with the worker: [0] Ctrl-C presses, [1] 1 while the worker waits for stdin. */
const INTERRUPTS = 0;
const WAITING = 1;

if (isMainThread && process.argv[2] === 'debug' && isatty(0)) {
  const { runCli } = await import(main.href);
  const { processIo } = await import(new URL('../dist/io.js', import.meta.url).href);
  const io = processIo({
    stdoutIsTty: isatty(1),
    stderrIsTty: isatty(2),
    stdinIsTty: true,
    ...(isatty(2) && process.stderr.columns > 0 ? { columns: process.stderr.columns } : {}),
  });
  process.exit(await runCli(process.argv.slice(2), io));
} else if (isMainThread) {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      argv: process.argv.slice(2),
      stdinIsTTY: isatty(0),
      stdoutIsTTY: isatty(1),
      stderrIsTTY: isatty(2),
      // Only a terminal has a width (and touching process.stderr is harmless then).
      columns: isatty(2) ? (process.stderr.columns ?? 0) : 0,
      shared,
    },
    // The worker's own process.stdout/stderr are not used; anything written there anyway
    // (a warning from Node) is passed on below, never through this thread's streams.
    stdin: false,
    stdout: true,
    stderr: true,
    resourceLimits: { stackSizeMb: 512 },
  });
  const pass = (fd) => (chunk) => {
    try {
      writeSync(fd, chunk);
    } catch {
      // nowhere to write it
    }
  };
  worker.stdout.on('data', pass(1));
  worker.stderr.on('data', pass(2));
  const temps = new Set();
  let code;
  worker.on('message', (m) => {
    if (m?.temp !== undefined) {
      if (m.exists) temps.add(m.temp);
      else temps.delete(m.temp);
    }
  });
  worker.on('error', (e) => {
    pass(2)(`internal error in pymemsim: ${e?.stack ?? e}\nPlease report this, with the program that caused it.\n`);
    code = 70;
  });
  worker.on('exit', (exitCode) => {
    process.exitCode = code ?? exitCode;
  });
  const removeTemps = () => {
    for (const t of temps) {
      try {
        unlinkSync(t);
      } catch {
        // gone already
      }
    }
  };
  // The worker has ended: exit with Ctrl-C's status.
  const exitNow = () => {
    removeTemps();
    process.exit(130);
  };
  // The worker may be blocked in a system call (a read of stdin): Node's exit would wait
  // for it forever, so the process ends by the signal itself, as Unix tools do (a shell
  // shows status 130).
  const dieBySignal = () => {
    removeTemps();
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGINT');
  };
  process.on('SIGINT', () => {
    // Waiting for input (the debugger's prompt): nothing to finish, stop now.
    if (Atomics.load(shared, WAITING) !== 0) return dieBySignal();
    if (Atomics.add(shared, INTERRUPTS, 1) === 0) return; // the first: the worker stops cleanly
    // The second: stop at once; a worker that cannot be terminated in time is left behind.
    code = 130;
    void worker.terminate().then(exitNow);
    setTimeout(dieBySignal, 500).unref();
  });
} else {
  const { runCli } = await import(main.href);
  const { processIo } = await import(new URL('../dist/io.js', import.meta.url).href);
  const { setOutputObserver } = await import(new URL('../dist/output.js', import.meta.url).href);
  const data = workerData;
  const shared = data.shared;
  setOutputObserver((temp, exists) => parentPort.postMessage({ temp, exists }));
  const io = processIo({
    stdoutIsTty: data.stdoutIsTTY,
    stderrIsTty: data.stderrIsTTY,
    stdinIsTty: data.stdinIsTTY,
    ...(data.columns > 0 ? { columns: data.columns } : {}),
    interrupted: () => Atomics.load(shared, INTERRUPTS) !== 0,
    clearInterrupt: () => Atomics.store(shared, INTERRUPTS, 0),
    waitingForInput: (on) => Atomics.store(shared, WAITING, on ? 1 : 0),
  });
  const code = await runCli(data.argv, io);
  // The exit code is the worker's; whatever the command left pending must not keep it alive.
  process.exit(code);
}
