/*
 * The viewer in a real headless Chromium (Debian's chromium, driven by playwright-core):
 * for each golden trace, open `pymemsim view`'s page, step, drag the slider, click an
 * object, follow why-alive, jump to where a freed object was freed, run a watch back
 * and forth, and check what the page shows against `pymemsim inspect --json`,
 * `history --json` and `why --json` at the same event. A file written with `--html`
 * is opened offline and checked the same way. Screenshots of each trace at a chosen
 * event are written to test/viewer/artifacts/ (see packages/viewer/README.md).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ViewModel, memoryIo, runCli, startViewServer, renderHtml, type ViewServer } from '@pymemsim/cli';
import { Timeline } from '@pymemsim/replay';
import { chromiumPath, launchChromium, type HeadlessBrowser } from '@pymemsim/viewer/browser';

const ROOT = join(import.meta.dirname, '..', '..');
const TRACES = join(ROOT, 'traces');
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const names = readdirSync(TRACES).sort();

// CI installs Chromium (.ci/run); elsewhere a machine without it skips these, saying so.
const haveChromium = chromiumPath() !== undefined;
if (!haveChromium && process.env['CI'] !== undefined) throw new Error('CI: no Chromium found; .ci/run installs it');
if (!haveChromium) console.warn('viewer tests skipped: no Chromium (apt-get install chromium)');

async function cli<T>(...args: string[]): Promise<T> {
  const io = memoryIo();
  const code = await runCli(args, io);
  if (code !== 0) throw new Error(`pymemsim ${args.join(' ')} exited ${code}: ${io.stderr}`);
  return JSON.parse(io.stdout) as T;
}

interface Report {
  at: number;
  line: number;
  frames: { id: number; name: string; variables: { name: string; object: { id: number } | null }[] }[];
  globals: { name: string; object: { id: number } | null }[];
  objects: { id: number; refcount: number; type: string; interpreter: boolean }[];
  memory: { arenas: { current: number }; pools: { used: number } };
}
interface History {
  events: { seq: number; event: { type: string } }[];
}
interface Why {
  alive: boolean;
  freedAt?: number;
  chains?: {
    text: string;
    first: number;
    root: { kind: string; frame?: number; name?: string };
    links: { owner: number; label: string; to: number }[];
  }[];
}

/** What the page shows, read from its DOM. */
async function readPage(page: Page) {
  return page.evaluate(() => {
    const app = document.querySelector('.app') as HTMLElement;
    const num = (e: Element, a: string): number => Number(e.getAttribute(a));
    const vars = (box: Element) =>
      [...box.querySelectorAll('.var')]
        .filter((v) => !(v.getAttribute('data-name') ?? '').startsWith('stack['))
        .map((v) => ({ name: v.getAttribute('data-name') ?? '', id: num(v, 'data-id') }));
    const boxes = [...document.querySelectorAll('.heap .frame')];
    return {
      at: Number(app.dataset['drawnAt']),
      line: Number(document.querySelector('.source')?.getAttribute('data-line')),
      frames: boxes.filter((b) => num(b, 'data-frame') !== 0).map((b) => ({ id: num(b, 'data-frame'), vars: vars(b) })),
      // Where each frame box (0: the globals) and each object box is drawn.
      places: [...document.querySelectorAll<HTMLElement>('.heap .frame, .heap .object')].map((b) => ({
        frame: b.classList.contains('frame') ? num(b, 'data-frame') : null,
        x: parseFloat(b.style.left),
        y: parseFloat(b.style.top),
      })),
      globals: boxes.filter((b) => num(b, 'data-frame') === 0).flatMap(vars),
      objects: [...document.querySelectorAll('.heap .object')].map((o) => ({
        id: num(o, 'data-id'),
        refcount: num(o, 'data-refcount'),
        type: o.getAttribute('data-type') ?? '',
      })),
      // Every arrow drawn: from a box's row to an object.
      arrows: [...document.querySelectorAll('.heap path.ref')].map((p) => ({
        from: p.getAttribute('data-from') ?? '',
        label: p.getAttribute('data-label') ?? '',
        to: num(p, 'data-to'),
      })),
      arenas: [...document.querySelectorAll<HTMLElement>('.arenas .arena canvas')].map((c) =>
        num(c, 'data-pools-in-use'),
      ),
      hot: [...document.querySelectorAll('.heap path.ref.hot')].map((p) => ({
        from: p.getAttribute('data-from') ?? '',
        label: p.getAttribute('data-label') ?? '',
        to: num(p, 'data-to'),
      })),
    };
  });
}

/** Wait until the page has drawn the event it asked for (and it is `at`, when given). */
async function drawn(page: Page, at?: number): Promise<number> {
  await page.waitForFunction(
    (want) => {
      const app = document.querySelector('.app') as HTMLElement | null;
      if (app === null || app.dataset['drawnAt'] === '' || app.dataset['drawnAt'] !== app.dataset['at']) return false;
      return want === null || app.dataset['drawnAt'] === String(want);
    },
    at ?? null,
    { timeout: 15_000 },
  );
  return page.evaluate(() => Number((document.querySelector('.app') as HTMLElement).dataset['drawnAt']));
}

/** Move the slider to event `n` as a drag does, and wait until the page has drawn it. */
async function slideTo(page: Page, n: number): Promise<void> {
  await page.evaluate((at) => {
    const slider = document.querySelector('input.slider') as HTMLInputElement;
    slider.value = String(at);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, n);
  expect(await drawn(page, n)).toBe(n);
}

/** Record `source` (a program of the test's own), and open its trace. */
async function record(name: string, source: string): Promise<{ dir: string; trace: string; timeline: Timeline }> {
  const dir = join(tmpdir(), `pymemsim-view-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const program = join(dir, `${name}.py`);
  writeFileSync(program, source);
  const trace = join(dir, `${name}.pmt`);
  const io = memoryIo();
  expect(await runCli(['run', '-o', trace, program], io)).toBe(0);
  return { dir, trace, timeline: Timeline.open(readFileSync(trace), trace) };
}

/**
 * Record `source`, serve its trace, open the page and slide to where the program's own
 * code ends; then `check` it. Everything is closed and removed after.
 */
async function atCodeEnd(
  chromium: HeadlessBrowser,
  name: string,
  source: string,
  check: (page: Page, trace: string, at: number) => Promise<void>,
): Promise<void> {
  const { dir, trace, timeline } = await record(name, source);
  const server = await startViewServer(new ViewModel(timeline));
  const page = await chromium.newPage();
  try {
    await page.goto(server.url);
    await drawn(page);
    const at = timeline.userCodeEnd() ?? timeline.last;
    await slideTo(page, at);
    await check(page, trace, at);
  } finally {
    await page.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The page's heap against `inspect --json` at the same event: every object of the
 * program drawn, but those the program reaches only through the interpreter's
 * references (code objects, name strings), unless the page was asked to draw them.
 */
async function expectLikeInspect(page: Page, trace: string, interpreter = false): Promise<Report> {
  const shown = await readPage(page);
  const report = await cli<Report>('inspect', trace, '--at', String(shown.at), '--json');
  expect(shown.line).toBe(report.line);
  expect(shown.frames.map((f) => f.id)).toEqual(report.frames.map((f) => f.id));
  for (const f of report.frames) {
    const vars = f.variables.map((v) => ({ name: v.name, id: v.object?.id }));
    expect(shown.frames.find((x) => x.id === f.id)?.vars).toEqual(vars);
  }
  expect(shown.globals).toEqual(report.globals.map((g) => ({ name: g.name, id: g.object?.id })));
  // As Python Tutor draws them: every frame in the first column, the globals on top, then
  // the frames from the outermost call to the innermost, objects to their right.
  const frameBoxes = shown.places.filter((p) => p.frame !== null).sort((a, b) => a.y - b.y);
  const expected = [...(report.globals.length > 0 ? [0] : []), ...report.frames.map((f) => f.id).reverse()];
  expect(frameBoxes.map((p) => p.frame)).toEqual(expected);
  const column = Math.min(...shown.places.map((p) => p.x));
  for (const p of frameBoxes) expect(p.x).toBe(column);
  // Every variable holding a drawn object has its arrow, from its frame's row.
  const drawnIds = new Set(shown.objects.map((o) => o.id));
  for (const f of shown.frames) {
    for (const v of f.vars.filter((x) => drawnIds.has(x.id))) {
      expect(shown.arrows).toContainEqual({ from: `f${f.id}`, label: v.name, to: v.id });
    }
  }
  for (const g of shown.globals.filter((x) => drawnIds.has(x.id))) {
    expect(shown.arrows).toContainEqual({ from: 'globals', label: g.name, to: g.id });
  }
  // The arena map: one canvas per arena (up to 16), its pools in use counted.
  expect(shown.arenas.length).toBe(Math.min(16, report.memory.arenas.current));
  if (report.memory.arenas.current <= 16) {
    expect(shown.arenas.reduce((a, b) => a + b, 0)).toBe(report.memory.pools.used);
  }
  expect(report.objects.length).toBeLessThanOrEqual(120); // all drawn: nothing folded
  expect(new Map(shown.objects.map((o) => [o.id, o.refcount]))).toEqual(
    new Map(report.objects.filter((o) => interpreter || !o.interpreter).map((o) => [o.id, o.refcount])),
  );
  return report;
}

/** The first event after `from` (dir 1) or the last before it (dir -1) after which #id's refcount or presence differs. */
function nextChange(timeline: Timeline, id: number, from: number, dir: 1 | -1): number | undefined {
  const value = (n: number): string => String(timeline.stateAt(n).objects[id]?.refcount ?? 'absent');
  if (dir > 0) {
    for (let n = from + 1; n <= timeline.last; n++) if (value(n) !== value(n - 1)) return n;
  } else {
    for (let n = from - 1; n >= 0; n--) if (value(n) !== value(n - 1)) return n;
  }
  return undefined;
}

describe.skipIf(!haveChromium)('pymemsim view in Chromium', () => {
  let chromium: HeadlessBrowser;
  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
  });

  for (const name of names) {
    it(`${name}: step, slider, object, why alive, freed, watch`, async () => {
      const trace = join(TRACES, name, 'trace.pmt');
      const timeline = Timeline.open(readFileSync(trace), trace);
      let server: ViewServer | undefined;
      const page = await chromium.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        server = await startViewServer(new ViewModel(Timeline.open(readFileSync(trace), trace)));
        await page.goto(server.url);
        // It opens where the program's first line starts.
        const first = await drawn(page);
        expect(timeline.event(first).type).toBe('LineExecuted');
        await expectLikeInspect(page, trace);

        // A chosen event: where the line two thirds into the program starts.
        const lines: number[] = [];
        for (const [seq, e] of timeline.events()) if (e.type === 'LineExecuted') lines.push(seq);
        const chosen = lines[Math.floor((lines.length * 2) / 3)] ?? first;

        // Drag the slider from one end to near the chosen event.
        const slider = page.locator('input.slider');
        const box = await slider.boundingBox();
        if (box === null) throw new Error('no slider');
        const y = box.y + box.height / 2;
        await page.mouse.move(box.x + 4, y);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
        await page.mouse.move(box.x + box.width * 0.8, y, { steps: 8 });
        await page.mouse.up();
        const dragged = await drawn(page);
        expect(dragged).toBeGreaterThan(timeline.last * 0.7);
        expect(dragged).toBeLessThan(timeline.last * 0.9);
        await expectLikeInspect(page, trace);

        // Go to the chosen event through the timeline's line step from the start.
        await page.keyboard.press('Home');
        await drawn(page, -1);
        await slideTo(page, chosen);
        const report = await expectLikeInspect(page, trace);
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
        // The interpreter's objects for the program (code objects, name strings), drawn on
        // request and folded again.
        if (report.objects.some((o) => o.interpreter)) {
          const count = () => page.evaluate(() => document.querySelectorAll('.heap .object').length);
          await page.locator('button[data-action="interpreter"]').click();
          await expect.poll(count).toBe(report.objects.length);
          await expectLikeInspect(page, trace, true);
          await page.locator('button[data-action="interpreter"]').click();
          await expect.poll(count).toBe(report.objects.filter((o) => !o.interpreter).length);
        }

        // Step forward and back, and by lines.
        await page.keyboard.press('ArrowRight');
        await drawn(page, chosen + 1);
        await expectLikeInspect(page, trace);
        await page.keyboard.press('ArrowLeft');
        await drawn(page, chosen);
        await page.keyboard.press('n');
        const nextLine = lines.find((s) => s > chosen);
        if (nextLine !== undefined) {
          await drawn(page, nextLine);
          await expectLikeInspect(page, trace);
          await page.keyboard.press('p');
          await drawn(page, chosen);
        }

        // Click an object: a variable's, preferring one that is freed later in the trace.
        const candidates = [...report.frames.flatMap((f) => f.variables), ...report.globals]
          .map((v) => v.object?.id)
          .filter((id): id is number => id !== undefined)
          .filter((id) => report.objects.some((o) => o.id === id && !o.interpreter));
        expect(candidates.length).toBeGreaterThan(0);
        const freedLater = candidates.find((id) => timeline.stateAt(timeline.last).objects[id] === undefined);
        const target = freedLater ?? (candidates[0] as number);
        await page.locator(`.heap .object[data-id="${target}"]`).click();
        await page.waitForSelector(`.object-panel[data-object="${target}"] .history tr`);
        await page.waitForSelector('.why[data-alive="true"]');
        const history = await cli<History>('history', trace, '--obj', String(target), '--json');
        const rows = await page.$$eval('.object-panel .history tr', (trs) =>
          trs.map((tr) => Number(tr.getAttribute('data-seq'))),
        );
        expect(rows).toEqual(history.events.map((e) => e.seq).slice(0, 2000));

        // Why alive: the same chains as `why --json`, highlighted in the graph.
        const why = await cli<Why>('why', trace, '--obj', String(target), '--at', String(chosen), '--json');
        expect(why.alive).toBe(true);
        const chains = await page.$$eval('.why .chain', (lis) => lis.map((li) => li.textContent));
        expect(chains).toEqual((why.chains ?? []).map((c) => c.text));
        const shown = await readPage(page);
        const drawnIds = new Set(shown.objects.map((o) => o.id));
        for (const chain of why.chains ?? []) {
          for (const link of chain.links) {
            if (!drawnIds.has(link.owner) || !drawnIds.has(link.to)) continue;
            expect(shown.hot).toContainEqual({ from: `o${link.owner}`, label: link.label, to: link.to });
          }
          if (chain.root.kind === 'frame' && drawnIds.has(chain.first)) {
            expect(shown.hot).toContainEqual({ from: `f${chain.root.frame}`, label: chain.root.name, to: chain.first });
          }
        }
        expect(shown.hot.length).toBeGreaterThan(0);

        // A click on a variable's name watches that variable.
        const variable = await page.locator('.heap .frame .var').first().getAttribute('data-name');
        await page.locator('.heap .frame .var .var-name').first().click();
        await page.waitForSelector(`.watches .watch[data-watch="variable ${variable ?? ''}"]`);
        await page.locator(`.watches .watch[data-watch="variable ${variable ?? ''}"] button.link`).click();

        // Watch it: run back and forward to where its count changes.
        await page.locator('.object-panel button[data-action="watch"]').click();
        await page.keyboard.press(']');
        const forward = nextChange(timeline, target, chosen, 1);
        if (forward !== undefined) {
          expect(await drawn(page, forward)).toBe(forward);
          await page.keyboard.press('[');
          const backward = nextChange(timeline, target, forward, -1);
          if (backward !== undefined) expect(await drawn(page, backward)).toBe(backward);
        }

        // Freed by the end: the panel says what freed it, and its button jumps there.
        if (freedLater !== undefined) {
          await page.keyboard.press('End');
          await drawn(page, timeline.last);
          await page.waitForSelector('.why[data-alive="false"]');
          const freed = await cli<Why>('why', trace, '--obj', String(target), '--at', 'last', '--json');
          await page.locator('button[data-action="jump-freed"]').click();
          expect(await drawn(page, freed.freedAt)).toBe(freed.freedAt);
          expect(timeline.event(freed.freedAt ?? -1).type).toBe('ObjectFreed');
        }
        expect(errors).toEqual([]);
      } catch (error) {
        const state = await page.evaluate(() => ({
          at: document.querySelector('.app')?.getAttribute('data-at'),
          drawn: document.querySelector('.app')?.getAttribute('data-drawn-at'),
          error: document.querySelector('header .error')?.textContent,
          message: document.querySelector('.event-line .message')?.textContent,
        }));
        throw new Error(`${String(error)}\npage: ${JSON.stringify(state)}; page errors: ${errors.join('; ')}`, {
          cause: error,
        });
      } finally {
        await page.close();
        await server?.close();
      }
    }, 90_000);
  }

  it('the page asks over one WebSocket, and over HTTP when the socket cannot open', async () => {
    const trace = join(TRACES, 'calls', 'trace.pmt');
    const timeline = Timeline.open(readFileSync(trace), trace);
    const server = await startViewServer(new ViewModel(timeline));
    try {
      for (const blocked of [false, true]) {
        const page = await chromium.newPage();
        const asked: string[] = [];
        page.on('request', (r) => {
          if (r.url().includes('/api/')) asked.push(new URL(r.url()).pathname);
        });
        // As a proxy that drops WebSockets would: the socket closes before it opens.
        if (blocked) await page.routeWebSocket(/api\/socket/, (ws) => ws.close());
        try {
          await page.goto(server.url);
          await drawn(page);
          await slideTo(page, Math.floor(timeline.last / 2));
          await slideTo(page, timeline.last);
          const states = asked.filter((p) => p === '/api/state').length;
          if (blocked) expect(states).toBeGreaterThanOrEqual(3);
          else expect(states).toBe(0);
          expect(await page.locator('header .error').count()).toBe(0);
        } finally {
          await page.close();
        }
      }
    } finally {
      await server.close();
    }
  });

  it('the arena map draws an arena below the fold when the page scrolls to it', async () => {
    // 9,000 lists of 45 items (each a 56-byte object and a 368-byte item array): four arenas and more.
    const program = 'blocks = [[None] * 45 for _ in range(9000)]\nprint(len(blocks))\n';
    await atCodeEnd(chromium, 'arenas', program, async (page, trace, at) => {
      const report = await cli<Report>('inspect', trace, '--at', String(at), '--json');
      expect(report.memory.arenas.current).toBeGreaterThanOrEqual(4);
      // How many of an arena canvas's pixels are drawn.
      const inked = (i: number): Promise<number> =>
        page.evaluate((k) => {
          const c = document.querySelectorAll<HTMLCanvasElement>('.arenas canvas')[k] as HTMLCanvasElement;
          const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let p = 3; p < data.length; p += 4) if ((data[p] as number) > 0) n++;
          return n;
        }, i);
      const last = Math.min(16, report.memory.arenas.current) - 1;
      expect(await inked(0)).toBeGreaterThan(0);
      // The last arena is far below the fold: drawn once scrolled to, with this state's pools.
      await page.evaluate(() => window.scrollTo(0, 0));
      const before = await inked(last);
      await page.locator(`.arenas .arena[data-arena] canvas`).nth(last).scrollIntoViewIfNeeded();
      await expect.poll(() => inked(last)).toBeGreaterThan(0);
      expect(before).toBe(0);
    });
  }, 60_000);

  it('a heap larger than the drawing: the objects over the limit are counted after the drawing, then shown', async () => {
    // At the line after the list was built: 150 lists and their ints, over the 60 drawn.
    const program = 'rows = [[i] for i in range(150)]\nprint(len(rows))\n';
    await atCodeEnd(chromium, 'big', program, async (page, trace, at) => {
      const button = page.locator('button.more');
      await expect.poll(() => button.textContent(), { timeout: 15_000 }).toMatch(/^[\d,]+ more objects of the program/);
      const report = await cli<Report>('inspect', trace, '--at', String(at), '--json');
      const folded = Number(((await button.textContent()) ?? '').split(' ')[0]?.replaceAll(',', ''));
      const shown = (await readPage(page)).objects.length;
      expect(shown).toBe(60);
      const program = report.objects.filter((o) => !o.interpreter).length;
      expect(shown + folded).toBe(program);
      await button.click();
      await expect.poll(async () => (await readPage(page)).objects.length, { timeout: 15_000 }).toBe(program);
    });
  }, 90_000);

  it('a file written with --html works offline and shows what the server shows', async () => {
    const trace = join(TRACES, 'demo', 'trace.pmt');
    const timeline = Timeline.open(readFileSync(trace), trace);
    const html = join(tmpdir(), `pymemsim-view-${process.pid}.html`);
    writeFileSync(html, renderHtml(new ViewModel(timeline)));
    const page = await chromium.newPage();
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    try {
      await page.goto(`file://${html}`);
      const first = await drawn(page);
      expect(timeline.event(first).type).toBe('LineExecuted');
      await expectLikeInspect(page, trace);
      for (let i = 0; i < 3; i++) await page.keyboard.press('n');
      await drawn(page);
      await expectLikeInspect(page, trace);
      await page.keyboard.press('End');
      await drawn(page, timeline.last);
      await expectLikeInspect(page, trace);
      expect(requests).toEqual([]);
    } finally {
      await page.close();
      rmSync(html, { force: true });
    }
  }, 90_000);
});
