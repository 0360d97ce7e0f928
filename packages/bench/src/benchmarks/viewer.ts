/// <reference lib="dom" />
/*
 * The viewer: from a request to a drawn state, in a real browser
 * ==============================================================
 * A real program's trace of about 10 million events, recorded by `pymemsim run` (TREE:
 * a binary tree with parent pointers, 65,535 nodes, built, walked and torn down; its
 * trace has 10.3 million events, up to 65,535 nodes alive at once, and 96
 * GC passes), is opened by `pymemsim view`'s server (ViewModel and startViewServer, in
 * this process) and its page is loaded in headless Chromium (Debian's chromium, driven
 * by playwright-core). Then:
 *
 *   viewer/first-paint    from navigation to the first state drawn (the page asks for
 *                         the trace, where the first line starts, and that state), on
 *                         a server that has just opened the trace. Aim: 1 s.
 *   viewer/seek-median    random seeks: the slider set to a random event, timed in the
 *   viewer/seek-p99       page from the input event to the drawn state (the request,
 *                         the server's fold and views, the JSON, the layout and the DOM
 *                         update; the next frame's paint is not included). Measured once
 *                         the server's summary pass has read the trace (it leaves a
 *                         checkpoint every 8192 events). Aims: 50 ms and 200 ms.
 *
 * As rates, like the replay benchmark's seeks: 1000 / ms against the aim's rate.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Defect } from '@pymemsim/core';
import { Timeline } from '@pymemsim/replay';
import { ViewModel, memoryIo, runCli, startViewServer } from '@pymemsim/cli';
import { launchChromium } from '@pymemsim/viewer/browser';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { median } from '../measure.js';
import { Random } from '../random.js';
import { DEFAULT_SEED } from '../syntheticProgram.js';

/** The program recorded: its trace has about 10.3 million events at depth 15. */
export const TREE = (
  depth: number,
): string => `# A binary tree with parent pointers (every edge is a cycle), built, walked and torn down.
import gc

class Node:
    def __init__(self, parent, depth):
        self.parent = parent
        self.left = None
        self.right = None
        self.depth = depth

def build(parent, depth):
    node = Node(parent, depth)
    if depth > 0:
        node.left = build(node, depth - 1)
        node.right = build(node, depth - 1)
    return node

def count(node):
    if node is None:
        return 0
    return 1 + count(node.left) + count(node.right)

root = build(None, ${depth})
print(count(root))
del root
print(gc.collect())
`;

export interface ViewerOptions {
  /** The depth of the tree (15 by default: 10.3 million events; each level doubles them). */
  readonly depth?: number;
  /** Random seeks timed. Default 200. */
  readonly seeks?: number;
  readonly seed?: number;
}

export function viewerBenchmark(options: ViewerOptions = {}): Benchmark {
  return { name: 'viewer', run: () => measureViewer(options) };
}

export const viewer = viewerBenchmark();

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? Number.NaN;

export async function measureViewer(options: ViewerOptions = {}): Promise<Measurement[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-bench-viewer-'));
  const chromium = await launchChromium();
  try {
    const path = join(dir, 'tree.pmt');
    const program = join(dir, 'tree.py');
    writeFileSync(program, TREE(options.depth ?? 15));
    const io = memoryIo();
    if ((await runCli(['run', '-o', path, program], io)) !== 0)
      throw new Defect(`recording the tree failed: ${io.stderr}`);
    const model = new ViewModel(Timeline.open(readFileSync(path), path));
    const events = model.timeline.length;
    const server = await startViewServer(model);
    try {
      const page = await chromium.newPage();
      // --- First paint: navigation to the first drawn state.
      const start = performance.now();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector<HTMLElement>('.app')?.dataset['drawnAt'], null, {
        timeout: 60_000,
      });
      const firstPaintMs = performance.now() - start;

      // --- Wait for the server's summary pass (the page polls it too).
      const summaryStart = performance.now();
      while (!model.summary().complete) await new Promise((r) => setTimeout(r, 100));
      const summaryMs = performance.now() - summaryStart;

      // --- Random seeks, timed in the page.
      const rnd = new Random(options.seed ?? DEFAULT_SEED);
      const seekMs: number[] = [];
      const fetchMs: number[] = [];
      const layoutMs: number[] = [];
      let objects = 0;
      for (let i = 0; i < (options.seeks ?? 200); i++) {
        const at = rnd.int(0, events - 1);
        const result = await page.evaluate(
          (n) =>
            new Promise<{
              ms: number;
              drawn: number;
              objects: number;
              fetch: number;
              layout: number;
              error?: string;
            }>((resolve) => {
              const app = document.querySelector('.app') as HTMLElement;
              const slider = document.querySelector('input.slider') as HTMLInputElement;
              const t0 = performance.now();
              const done = (): boolean => {
                if (app.dataset['drawnAt'] !== String(n)) return false;
                const svg = document.querySelector('div.heap');
                resolve({
                  ms: performance.now() - t0,
                  drawn: n,
                  objects: Number(svg?.getAttribute('data-objects')),
                  fetch: Number(app.dataset['fetchMs']),
                  layout: Number(svg?.getAttribute('data-layout-ms')),
                });
                return true;
              };
              const observer = new MutationObserver(() => {
                if (done()) {
                  observer.disconnect();
                  errors.disconnect();
                }
              });
              // An error shown instead of the state: the seek will not be drawn.
              const header = document.querySelector('header') as HTMLElement;
              const errors = new MutationObserver(() => {
                const error = header.querySelector('.error')?.textContent ?? '';
                if (error === '') return;
                errors.disconnect();
                observer.disconnect();
                resolve({ ms: Number.NaN, drawn: Number.NaN, objects: 0, fetch: 0, layout: 0, error });
              });
              errors.observe(header, { childList: true, subtree: true, characterData: true });
              observer.observe(app, { attributes: true, attributeFilter: ['data-drawn-at'] });
              slider.value = String(n);
              slider.dispatchEvent(new Event('input', { bubbles: true }));
            }),
          at,
        );
        if (result.error !== undefined) throw new Defect(`a seek to ${at}: the page says ${result.error}`);
        if (result.drawn !== at) throw new Defect(`the page drew event ${result.drawn} for a seek to ${at}`);
        seekMs.push(result.ms);
        fetchMs.push(result.fetch);
        layoutMs.push(result.layout);
        objects = Math.max(objects, result.objects);
      }
      seekMs.sort((a, b) => a - b);
      const seekMedian = median(seekMs);
      const seekP99 = percentile(seekMs, 0.99);
      const size = `${events.toLocaleString('en-US')} events`;
      return [
        measurement({
          name: 'viewer/first-paint',
          unit: 'loads/s',
          value: 1000 / firstPaintMs,
          reference: 1,
          referenceKind: 'aim',
          target: 1,
          note: `${firstPaintMs.toFixed(0)} ms from navigation to the first drawn state of a ${size} trace (aim 1 s); the server's summary pass then took ${(summaryMs / 1000).toFixed(1)} s more`,
        }),
        measurement({
          name: 'viewer/seek-median',
          unit: 'seeks/s',
          value: 1000 / seekMedian,
          reference: 20,
          referenceKind: 'aim',
          target: 1,
          note: `median ${seekMedian.toFixed(1)} ms from the slider's input to the drawn state, ${seekMs.length} random seeks in ${size}, up to ${objects} objects drawn (aim 50 ms); of which the request ${median(fetchMs).toFixed(1)} ms and the layout ${median(layoutMs).toFixed(1)} ms (medians)`,
        }),
        measurement({
          name: 'viewer/seek-p99',
          unit: 'seeks/s',
          value: 1000 / seekP99,
          reference: 5,
          referenceKind: 'aim',
          target: 1,
          note: `99th percentile ${seekP99.toFixed(1)} ms (aim 200 ms)`,
        }),
      ];
    } finally {
      await server.close();
    }
  } finally {
    await chromium.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
