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
  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      argv: process.argv.slice(2),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
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
  // Ctrl-C: let the worker finish its trace (it handles SIGINT through this message).
  process.on('SIGINT', () => worker.postMessage('SIGINT'));
} else {
  const { runCli } = await import(main.href);
  const data = workerData;
  process.stdin.isTTY = data.stdinIsTTY;
  process.stderr.isTTY = data.stderrIsTTY;
  const code = await runCli(data.argv);
  parentPort.postMessage(code);
}
