/*
 * The built command as a user meets it: under a pseudo-terminal (util-linux `script`),
 * a program's output appears as the program writes it (not when the run ends) and a
 * progress bar moves while the work runs; installed with `pnpm link --global`, the
 * command works from any folder. Each part is skipped where its tool is missing (a
 * build, `script`, pnpm).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'pymemsim.js');
const built = existsSync(bin) && spawnSync(process.execPath, [bin, '--version']).status === 0;
const hasScript = spawnSync('script', ['--version']).status === 0;
const hasPnpm = spawnSync('pnpm', ['--version']).status === 0;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run `args` of the built command under a pseudo-terminal; every chunk of its output with the time it came. */
async function underTerminal(
  args: readonly string[],
  cwd: string,
): Promise<{ chunks: { at: number; text: string }[]; exitAt: number; code: number | null }> {
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, COLUMNS: '100', NO_COLOR: '1' },
  });
  const start = Date.now();
  const chunks: { at: number; text: string }[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push({ at: Date.now() - start, text: d.toString('utf8') }));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { chunks, exitAt: Date.now() - start, code };
}

const firstAt = (chunks: readonly { at: number; text: string }[], text: string): number => {
  let seen = '';
  for (const c of chunks) {
    seen += c.text;
    if (seen.includes(text)) return c.at;
  }
  return -1;
};

describe.runIf(built && hasScript)('under a terminal', () => {
  it(
    'shows a program’s first line while it still runs, and the summary after its last',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pymemsim-tty-'));
      writeFileSync(
        join(dir, 'slow.py'),
        'print("start")\nx = 0\nfor i in range(150000):\n    x = x + i\nprint("middle")\nfor i in range(150000):\n    x = x + i\nprint("end")\n',
      );
      const r = await underTerminal(['run', 'slow.py'], dir);
      expect(r.code).toBe(0);
      const start = firstAt(r.chunks, 'start');
      const middle = firstAt(r.chunks, 'middle');
      const end = firstAt(r.chunks, 'end\r\n');
      const summary = firstAt(r.chunks, 'trace written to slow.pmt');
      expect(start).toBeGreaterThanOrEqual(0);
      // Each line appears when printed: well before the next, and before the run ends.
      expect(middle - start).toBeGreaterThan(200);
      expect(end - middle).toBeGreaterThan(200);
      expect(r.exitAt - start).toBeGreaterThan(400);
      const all = r.chunks.map((c) => c.text).join('');
      expect(all.indexOf('end')).toBeLessThan(all.indexOf('trace written to'));
      expect(summary).toBeGreaterThanOrEqual(end);
    },
  );

  it('moves the progress bar of a long replay while it replays', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymemsim-tty-'));
    writeFileSync(join(dir, 'many.py'), 'x = []\nfor i in range(60000):\n    x = [i, x]\n    x = x[1]\n');
    const rec = spawnSync(process.execPath, [bin, 'run', 'many.py'], { cwd: dir, encoding: 'utf8' });
    expect(rec.status).toBe(0);
    const events = Number(/(\d+) events/.exec(rec.stderr)?.[1] ?? 0);
    expect(events).toBeGreaterThan(1_500_000);
    const r = await underTerminal(['replay', 'many.pmt'], dir);
    expect(r.code).toBe(0);
    // The bar's renders, each with the time it reached the terminal.
    const renders: { at: number; percent: number }[] = [];
    for (const c of r.chunks) {
      for (const m of c.text.matchAll(/replaying \[[^\]]*\] (\d+)%/g))
        renders.push({ at: c.at, percent: Number(m[1]) });
    }
    const moving = renders.filter((x) => x.percent < 100);
    expect(moving.length).toBeGreaterThanOrEqual(2);
    const first = moving[0];
    const later = moving.find((x) => x.percent > (first?.percent ?? 0));
    expect(later).toBeDefined();
    // Drawn while the work ran, not in one burst at the end.
    expect((later?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(100);
    expect(r.exitAt - (first?.at ?? r.exitAt)).toBeGreaterThan(150);
    expect(r.chunks.map((c) => c.text).join('')).toContain('events replayed; final state');
  });
});

describe.runIf(built && hasPnpm)('installed for use anywhere (pnpm link --global)', () => {
  it('runs from another folder as a user without root would run it', { timeout: 120_000 }, () => {
    const home = mkdtempSync(join(tmpdir(), 'pymemsim-home-'));
    const pnpmHome = join(home, '.local', 'share', 'pnpm');
    mkdirSync(pnpmHome, { recursive: true });
    const env = {
      ...process.env,
      HOME: home,
      PNPM_HOME: pnpmHome,
      PATH: `${pnpmHome}:${process.env['PATH'] ?? ''}`,
      npm_config_global_bin_dir: '',
    };
    const cliDir = join(import.meta.dirname, '..');
    const link = spawnSync('pnpm', ['link', '--global'], { cwd: cliDir, env, encoding: 'utf8' });
    expect(link.status, link.stderr).toBe(0);
    try {
      const elsewhere = mkdtempSync(join(tmpdir(), 'pymemsim-elsewhere-'));
      writeFileSync(join(elsewhere, 'prog.py'), 'x = [1, 2]\nprint(len(x))\n');
      const version = spawnSync('pymemsim', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
      expect(version.status).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      const run = spawnSync('pymemsim', ['run', 'prog.py'], { cwd: elsewhere, env, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toBe('2\n');
      expect(existsSync(join(elsewhere, 'prog.pmt'))).toBe(true);
      const inspect = spawnSync('pymemsim', ['inspect', 'prog.pmt'], { cwd: elsewhere, env, encoding: 'utf8' });
      expect(inspect.stdout).toMatch(/x = #\d+ list \[1, 2\]/);
    } finally {
      spawnSync('pnpm', ['remove', '--global', '@pymemsim/cli'], { cwd: cliDir, env });
    }
  });
});
