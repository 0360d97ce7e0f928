/*
 * `pymemsim view TRACE`: the time-travel viewer in the browser. Serves the viewer's
 * page and answers its requests from the trace (view/server.ts, view/model.ts) on
 * 127.0.0.1, prints the URL and opens a browser when there is one. With `--html FILE`
 * it writes one self-contained file instead (view/html.ts). Ctrl-C stops the server.
 */
import { spawn } from 'node:child_process';
import { ViewModel } from '../view/model.js';
import { startViewServer } from '../view/server.js';
import { writeHtml } from '../view/html.js';
import { paint, type Io } from '../io.js';
import { openTimeline } from './common.js';

export interface ViewOptions {
  readonly port?: number;
  /** Open a browser (default true; `--no-open`). */
  readonly open?: boolean;
  readonly html?: string;
}

export async function viewCommand(path: string, options: ViewOptions, io: Io): Promise<number> {
  const timeline = openTimeline(path, io);
  const model = new ViewModel(timeline);
  if (options.html !== undefined) {
    const bytes = writeHtml(model, options.html);
    io.err(
      `${paint(io).dim('pymemsim:')} viewer written to ${options.html} (${(bytes / 1024).toFixed(0)} KiB, works offline)\n`,
    );
    return 0;
  }
  const server = await startViewServer(model, options.port ?? 0);
  io.out(
    `pymemsim view: ${server.url}  (${timeline.length} events of ${timeline.header.program.path}; Ctrl-C stops)\n`,
  );
  if (options.open !== false) openBrowser(server.url, io);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (io.interrupted?.() === true) {
        clearInterval(timer);
        resolve();
      }
    }, 200);
    server.server.once('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
  await server.close();
  return 0;
}

/**
 * Open `url` in the user's browser: $BROWSER when set, else the platform's opener
 * (`open`, `start`, or `xdg-open` when there is a display). Quietly nothing otherwise.
 */
export function openBrowser(url: string, io: Io): void {
  const env = process.env;
  const command =
    env['BROWSER'] !== undefined && env['BROWSER'] !== ''
      ? [env['BROWSER'], url]
      : process.platform === 'darwin'
        ? ['open', url]
        : process.platform === 'win32'
          ? ['cmd', '/c', 'start', '', url]
          : env['DISPLAY'] !== undefined || env['WAYLAND_DISPLAY'] !== undefined
            ? ['xdg-open', url]
            : undefined;
  if (command === undefined) {
    io.err(`${paint(io).dim('pymemsim:')} no display to open a browser on: open ${url} yourself\n`);
    return;
  }
  const [file = '', ...args] = command;
  try {
    const child = spawn(file, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => io.err(`${paint(io).dim('pymemsim:')} could not start ${file}: open ${url} yourself\n`));
    child.unref();
  } catch {
    io.err(`${paint(io).dim('pymemsim:')} could not start ${file}: open ${url} yourself\n`);
  }
}
