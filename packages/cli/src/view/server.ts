/*
 * The viewer's HTTP server: the built page (from @pymemsim/viewer) and the protocol's
 * answers (model.ts), on 127.0.0.1 only. Every answer is computed on request from the
 * timeline, so the page never receives the trace whole; the summary pass runs between
 * requests, a slice of events at a time.
 *
 * The page asks its questions over one WebSocket (SOCKET_PATH): a message
 * `{"id": 7, "url": "api/state?at=5"}` is answered by `{"id": 7, "status": 200, "body": ...}`,
 * the answer GET /api/state?at=5 gives. A fetch per question took a seek's request 7 ms
 * longer in Chromium (a loader set up, headers, a body stream), a quarter of it. The same
 * questions stay answered over HTTP (and the page falls back to them).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { extname, join, normalize, sep } from 'node:path';
import { UserError } from '@pymemsim/core';
import { pageDirectory, pageIndex, type MoveKind } from '@pymemsim/viewer';
import { DEFAULT_OBJECT_LIMIT, type ViewModel } from './model.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const MOVES: readonly MoveKind[] = ['next-line', 'prev-line', 'next-change', 'prev-change'];

/** Where the page opens its WebSocket. */
export const SOCKET_PATH = '/api/socket';
/** A question is a short URL: a longer message is refused (and the socket closed). */
const MAX_MESSAGE = 16 * 1024;

export interface ViewServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** The page must be built (pnpm install builds it); a clear error otherwise. */
export function requirePage(): string {
  const index = pageIndex();
  if (index === undefined) {
    throw new UserError(
      'FILE_NOT_FOUND',
      `the viewer's page is not built (no ${pageDirectory()}index.html): run \`pnpm install\` (or \`pnpm build\`) at the repository root`,
    );
  }
  return index;
}

/** The summary pass waits this long after the last request (and after the start). */
const QUIET_MS = 300;
/** The summary pass's slices between requests. */
const SLICE_MS = 10;

/** Start serving `model` on 127.0.0.1:`port` (0: a free port). */
export async function startViewServer(model: ViewModel, port = 0): Promise<ViewServer> {
  requirePage();
  // The summary pass yields to the page: it pauses while requests come (QUIET_MS after
  // the last one), so a seek never waits behind more than one slice of it. The page's
  // polls of the summary itself do not pause it (they come every 400 ms: the pass would
  // crawl).
  let lastRequest = performance.now();
  const asked = (url: string): void => {
    if (!url.startsWith('/api/summary')) lastRequest = performance.now();
  };
  const server = createServer((req, res) => {
    asked(req.url ?? '');
    handle(model, req, res);
    asked(req.url ?? '');
  });
  const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    // Only the page this server serves may connect: a page of another site the browser has
    // open must not read the trace (a fetch from it is refused by the browser; a WebSocket
    // is not, so its Origin is checked here). Clients that are not browsers send none.
    const origin = req.headers.origin;
    const listening = (server.address() as AddressInfo).port;
    const own =
      origin === undefined || origin === `http://127.0.0.1:${listening}` || origin === `http://localhost:${listening}`;
    if (path !== SOCKET_PATH || !own) {
      socket.end(`HTTP/1.1 ${path !== SOCKET_PATH ? '404 Not Found' : '403 Forbidden'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, binary) => answerMessage(model, ws, data, binary, asked));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UserError(
              'CLI_USAGE',
              `port ${port} on 127.0.0.1 is in use: choose another with --port, or leave it out`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  // The summary pass, between requests, in slices of SLICE_MS.
  let timer: NodeJS.Timeout | undefined;
  let prepared = false;
  const background = (): void => {
    timer = undefined;
    if (!prepared) {
      // First what the page asks first, while it loads.
      prepared = true;
      try {
        model.prepareFirstPaint();
      } catch {
        // The page's own request will get the error.
      }
      timer = setTimeout(background, 0);
      return;
    }
    const quiet = performance.now() - lastRequest;
    if (quiet < QUIET_MS) {
      timer = setTimeout(background, QUIET_MS - quiet);
      return;
    }
    if (!model.summaryStep(SLICE_MS)) timer = setTimeout(background, 0);
  };
  timer = setTimeout(background, 0);
  return {
    server,
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer !== undefined) clearTimeout(timer);
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function handle(model: ViewModel, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'application/json', JSON.stringify({ error: `${req.method ?? '?'} is not served: only GET` }));
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    const { status, json } = respond(model, url);
    send(res, status, 'application/json', json);
    return;
  }
  serveFile(res, url.pathname);
}

/** The answer to a question of the protocol, as JSON with its HTTP status. */
function respond(model: ViewModel, url: URL): { status: number; json: string } {
  try {
    return { status: 200, json: JSON.stringify(answer(model, url)) };
  } catch (error) {
    if (error instanceof UserError) return { status: 400, json: JSON.stringify({ error: error.message }) };
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { status: 500, json: JSON.stringify({ error: `internal error: ${message}` }) };
  }
}

/** A question over the WebSocket: `{"id": N, "url": "api/..."}`, answered with its id. */
function answerMessage(
  model: ViewModel,
  ws: WebSocket,
  data: RawData,
  binary: boolean,
  asked: (url: string) => void,
): void {
  let id: unknown;
  let path: unknown;
  try {
    ({ id, url: path } = JSON.parse(binary ? '' : rawText(data)) as { id?: unknown; url?: unknown });
  } catch {
    // Not JSON: nothing to answer to.
  }
  if (!Number.isSafeInteger(id) || typeof path !== 'string') {
    ws.send(
      JSON.stringify({
        id: null,
        status: 400,
        body: { error: 'expected {"id": <integer>, "url": "api/..."} as text' },
      }),
    );
    return;
  }
  // Only questions (a path that is not one is answered 400, "no such request").
  const url = new URL(path, 'http://127.0.0.1/');
  asked(url.pathname);
  const { status, json } = respond(model, url);
  asked(url.pathname);
  ws.send(`{"id":${String(id)},"status":${status},"body":${json}}`);
}

const rawText = (data: RawData): string =>
  (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');

function answer(model: ViewModel, url: URL): unknown {
  const q = url.searchParams;
  const int = (name: string, fallback?: number): number => {
    const text = q.get(name);
    if (text === null) {
      if (fallback !== undefined) return fallback;
      throw new UserError('CLI_USAGE', `${url.pathname} needs ?${name}=`);
    }
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw new UserError('CLI_USAGE', `${name}=${text}: expected an integer`);
    }
    return n;
  };
  switch (url.pathname) {
    case '/api/trace':
      return model.info();
    case '/api/state':
      return model.state(int('at'), int('limit', DEFAULT_OBJECT_LIMIT));
    case '/api/counts':
      return model.counts(int('at'), int('limit', DEFAULT_OBJECT_LIMIT));
    case '/api/summary':
      return model.summary();
    case '/api/history':
      return model.history(int('obj'));
    case '/api/why':
      return model.why(int('obj'), int('at'));
    case '/api/move': {
      const how = q.get('how') as MoveKind | null;
      if (how === null || !MOVES.includes(how)) {
        throw new UserError('CLI_USAGE', `how=${how ?? ''}: expected one of ${MOVES.join(', ')}`);
      }
      const obj = q.get('obj');
      const name = q.get('var');
      return model.move(int('from'), how, {
        ...(obj !== null ? { obj: int('obj') } : {}),
        ...(name !== null ? { var: name } : {}),
      });
    }
    default:
      throw new UserError('CLI_USAGE', `${url.pathname}: no such request`);
  }
}

function serveFile(res: ServerResponse, pathname: string): void {
  const root = pageDirectory();
  let relative: string;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', `${pathname}: not a valid path`);
    return;
  }
  const file = normalize(join(root, relative));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    send(res, 404, 'text/plain', 'not found');
    return;
  }
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', `${pathname}: not found`);
    return;
  }
  send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  // With its length (not chunked), the page has the whole answer with its last byte.
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': bytes.length });
  res.end(bytes);
}
