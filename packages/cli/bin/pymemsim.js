#!/usr/bin/env node
// The pymemsim command. The TypeScript sources are compiled by `pnpm build` (run by `pnpm install`).
//
// The simulator evaluates Python recursively, and CPython's default recursion limit
// (1000 frames) needs a deeper stack than Node's main thread has, so the command runs
// in a worker thread with a large stack; its stdin is the process's, and it writes to the
// process's stdout and stderr directly (dist/workerIo.js).
import { existsSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('pymemsim is not built yet: run `pnpm install` (or `pnpm build`) at the repository root\n');
  process.exit(70);
}

if (isMainThread && process.argv[2] === 'debug') {
  // The debugger runs no Python (no deep stack needed) and reads a terminal with line
  // editing, which needs the terminal's raw mode: only the main thread can set it.
  const { runCli } = await import(main.href);
  const { processIo } = await import(new URL('../dist/io.js', import.meta.url).href);
  process.exitCode = await runCli(process.argv.slice(2), { ...processIo, errColumns: process.stderr.columns });
} else if (isMainThread) {
  // Ctrl-C sets this flag; the run checks it and stops cleanly, finishing its trace.
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      argv: process.argv.slice(2),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      stderrColumns: process.stderr.columns,
      interrupt,
    },
    stdin: true,
    resourceLimits: { stackSizeMb: 512 },
  });
  const forwardStdin = !process.stdin.isTTY;
  if (forwardStdin) process.stdin.pipe(worker.stdin);
  else worker.stdin.end();
  let code = 70;
  worker.on('message', (m) => {
    if (typeof m === 'number') code = m;
  });
  worker.on('error', (e) => {
    process.stderr.write(
      `internal error in pymemsim: ${e?.stack ?? e}\nPlease report this, with the program that caused it.\n`,
    );
    code = 70;
  });
  worker.on('exit', () => {
    if (forwardStdin) {
      process.stdin.unpipe(worker.stdin);
      process.stdin.destroy();
    }
    process.exitCode = code;
  });
  // First Ctrl-C: the run stops at its next check and writes its trace's footer.
  // A second one stops everything at once (the trace keeps every complete chunk).
  process.on('SIGINT', () => {
    if (Atomics.load(interrupt, 0) !== 0) {
      void worker.terminate();
      code = 130;
      return;
    }
    Atomics.store(interrupt, 0, 1);
  });
} else {
  const { runCli } = await import(main.href);
  // Output goes straight to descriptors 1 and 2 (see workerIo.ts): a worker's own
  // process.stdout would hold it back until the run ends.
  const { workerIo } = await import(new URL('../dist/workerIo.js', import.meta.url).href);
  const data = workerData;
  process.stdin.isTTY = data.stdinIsTTY;
  process.stderr.isTTY = data.stderrIsTTY;
  const io = workerIo({
    errIsTty: data.stderrIsTTY,
    errColumns: data.stderrColumns,
    interrupted: () => Atomics.load(data.interrupt, 0) !== 0,
  });
  const code = await runCli(data.argv, io);
  parentPort.postMessage(code);
}
