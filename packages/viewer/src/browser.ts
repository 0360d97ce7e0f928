/*
 * A headless Chromium for the viewer's tests and benchmark: Debian's `chromium`
 * driven by playwright-core (Playwright's own browser download is not used). Each
 * launch gets a fresh profile directory (--user-data-dir, given through Playwright's
 * persistent context), removed on close.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium executable: $CHROMIUM_PATH, else the first of the usual paths that exists. */
export function chromiumPath(): string | undefined {
  const given = process.env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') return given;
  return CANDIDATES.find((p) => existsSync(p));
}

export interface HeadlessBrowser {
  /** A persistent context on the fresh profile (Playwright's way to give Chromium a --user-data-dir). */
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error(
      `no Chromium found (looked for ${CANDIDATES.join(', ')}; set CHROMIUM_PATH): apt-get install chromium`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'pymemsim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
