/*
 * @pymemsim/viewer: the page `pymemsim view` serves (built by `pnpm install` into
 * dist/page with Vite, from page/), and the protocol between the page and the server.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type * from './protocol.js';

/** The folder of the built page (index.html and its assets), wherever this package is installed. */
export function pageDirectory(): string {
  return fileURLToPath(new URL('../dist/page/', import.meta.url));
}

/** The built page's index.html, or undefined when the page has not been built. */
export function pageIndex(): string | undefined {
  const index = `${pageDirectory()}index.html`;
  return existsSync(index) ? index : undefined;
}
