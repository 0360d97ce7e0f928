/*
 * The README's examples on the demo's trace run as written: every `pnpm exec pymemsim`
 * line of the README that reads `demo.pmt` is run (by the built command, in a folder
 * where `pymemsim demo` just wrote demo.pmt; `view` without `--html`, a server, is left to
 * the viewer's tests) and must exit 0; the views of the heap show
 * the demo's own objects, by the names the program gives them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'pymemsim.js');
const built = existsSync(bin) && spawnSync(process.execPath, [bin, '--version']).status === 0;
const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The commands of the README's shell blocks that read the demo's trace, without their comments. */
function demoExamples(): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('pnpm exec pymemsim ') && /\bdemo\.pmt\b/.test(line))
    .filter((line) => !serves(line));
}

/** `view` without `--html` serves until stopped: the viewer's own tests drive it in a browser. */
const serves = (line: string): boolean => /^pnpm exec pymemsim view\b/.test(line) && !/--html\b/.test(line);

/** Split a command line as a shell would, for the simple quoting the README uses. */
const words = (line: string): string[] =>
  [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');

describe.runIf(built)('the README’s examples', () => {
  it('all run as written on the demo trace, and show the demo’s objects', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymemsim-readme-'));
    expect(spawnSync(process.execPath, [bin, 'demo'], { cwd: dir }).status).toBe(0);
    const examples = demoExamples();
    expect(examples.length).toBeGreaterThanOrEqual(10);
    const debugScript = 'b 17\nc\np li\nbt\nnext\nlist\nq\n';
    for (const example of examples) {
      for (const command of example.split('&&').map((c) => c.trim())) {
        const args = words(command).slice(3); // after `pnpm exec pymemsim`
        const r = spawnSync(process.execPath, [bin, ...args], {
          cwd: dir,
          encoding: 'utf8',
          input: args[0] === 'debug' ? debugScript : '',
          // A command that never ends fails here instead of hanging the suite.
          timeout: 60_000,
        });
        expect(r.status, `${command}\n${r.stderr}`).toBe(0);
        expect(r.stderr, command).not.toMatch(/internal error|\n\s+at /);
        const out = r.stdout;
        switch (args[0]) {
          case 'inspect':
            expect(out, command).toMatch(/\n {2}(b|li) = #\d+ (str 'abc'|list \[1, 2, 'abc'\])/);
            expect(out, command).not.toMatch(/usableArenas|arenaMapMid|raw\.top/);
            break;
          case 'why':
            expect(out, command).toMatch(/(str #\d+ \(b\)|list #\d+ \(li\))/);
            break;
          case 'history':
            expect(out, command).toMatch(/touched str #\d+ \(b at event \d+\)/);
            break;
          case 'report':
            expect(out, command).toMatch(/ {2}(7|li|list) +\d+/);
            break;
          case 'debug':
            expect(out).toMatch(/breakpoint 1, line 17/);
            expect(out).toMatch(/list #\d+ \(li\) \[1, 2, 'abc'\]/);
            expect(out).toMatch(/#0 {2}<module> \(frame 1\) at line 17/);
            break;
          default:
        }
      }
    }
  });
});
