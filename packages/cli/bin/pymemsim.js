#!/usr/bin/env node
// The pymemsim command. The TypeScript sources are compiled by `pnpm build` (run by `pnpm install`).
//
// The simulator evaluates Python recursively, and CPython's default recursion limit
// (1000 frames) needs a deeper stack than Node's main thread has, so the command runs
// in a worker thread with a large stack; its stdin, stdout and stderr are the process's.
import { existsSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('pymemsim is not built yet: run `pnpm install` (or `pnpm build`) at the repository root\n');
  process.exit(70);
}

if (isMainThread) {
  // Ctrl-C sets this flag; the run checks it and stops cleanly, finishing its trace.
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      argv: process.argv.slice(2),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      interrupt,
    },
    stdin: true,
    resourceLimits: { stackSizeMb: 512 },
  });
  const forwardStdin = !process.stdin.isTTY || process.argv[2] === 'debug';
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
  const { processIo } = await import(new URL('../dist/io.js', import.meta.url).href);
  const data = workerData;
  process.stdin.isTTY = data.stdinIsTTY;
  process.stderr.isTTY = data.stderrIsTTY;
  const io = { ...processIo, errIsTty: data.stderrIsTTY, interrupted: () => Atomics.load(data.interrupt, 0) !== 0 };
  const code = await runCli(data.argv, io);
  parentPort.postMessage(code);
}
