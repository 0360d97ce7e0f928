import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROGRAM } from '@pymemsim/interp';
import { RECORD_HEADER_SIZE, crc32, indexTrace, readTrace, replayTrace } from '@pymemsim/replay';
import { runCli } from './main.js';
import { memoryIo } from './memoryIo.js';

const workdir = (): string => mkdtempSync(join(tmpdir(), 'pymemsim-cli-'));

const python311 = (): boolean => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[:2] == (3, 11))'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'True';
};

describe('pymemsim demo', () => {
  it('prints what the demo prints and records a trace that replays to its recorded state', async () => {
    const dir = workdir();
    const io = memoryIo();
    const trace = join(dir, 'demo.pmt');
    expect(await runCli(['demo', '-o', trace], io)).toBe(0);
    expect(io.stdout).toContain('gc.collect(): 2');
    expect(io.stderr).toMatch(/trace written to .*demo\.pmt: \d+ events/);
    const contents = readTrace(readFileSync(trace), trace);
    expect(contents.recovered).toBeUndefined();
    expect(replayTrace(contents).ok).toBe(true);
  });

  it.runIf(python311())('prints exactly what CPython 3.11 prints for the demo program', async () => {
    const dir = workdir();
    const path = join(dir, 'demo.py');
    writeFileSync(path, DEMO_PROGRAM);
    const expected = execFileSync('python3', ['-I', path], { encoding: 'utf8' });
    const io = memoryIo();
    expect(await runCli(['run', '--no-trace', path], io)).toBe(0);
    expect(io.stdout).toBe(expected);
  });
});

describe('pymemsim run', () => {
  const run = async (source: string, ...flags: string[]) => {
    const dir = workdir();
    const path = join(dir, 'prog.py');
    writeFileSync(path, source);
    const io = memoryIo();
    const code = await runCli(['run', ...flags, '-o', join(dir, 'prog.pmt'), path], io);
    return { code, io, dir };
  };

  it('reports a construct outside the subset with file:line:col before running', async () => {
    const { code, io } = await run('x = 1\nwith x:\n    x = 0\n');
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/prog\.py:2:1: error\[PY_UNSUPPORTED\]: `with` statement/);
  });

  it('reports a syntax error as CPython does, exit 1', async () => {
    const { code, io } = await run('a = 1 +\n');
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/File ".*prog\.py", line 1\n.*\n.*\^\nSyntaxError: invalid syntax/);
  });

  it('ends an uncaught exception with CPython’s last line and exit 1, keeping the output so far', async () => {
    const { code, io } = await run('print(1)\nprint(y)\n');
    expect(code).toBe(1);
    expect(io.stdout).toBe('1\n');
    expect(io.stderr.trim().split('\n').at(-2)).toBe("NameError: name 'y' is not defined");
  });

  it('stops a runaway program with --max-events and keeps its trace', async () => {
    const { code, io, dir } = await run('x = 0\nwhile True:\n    x = [x]\n', '--max-events', '20000');
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/stopped after 20000 events/);
    const contents = readTrace(readFileSync(join(dir, 'prog.pmt')), 'prog.pmt');
    expect(contents.events.length).toBe(20000);
  });

  it('names a missing program and exits 66', async () => {
    const io = memoryIo();
    expect(await runCli(['run', join(workdir(), 'missing.py')], io)).toBe(66);
    expect(io.stderr).toMatch(/error\[FILE_NOT_FOUND\]: .*missing\.py: no such file/);
  });

  it('rejects a bad flag value with exit 2', async () => {
    const io = memoryIo();
    expect(await runCli(['run', '--max-events', 'lots', 'x.py'], io)).toBe(2);
    expect(io.stderr).toMatch(/positive integer/);
  });
});

describe('the pymemsim command (bin, in a worker thread)', () => {
  it('raises RecursionError at CPython’s default depth and prints CPython’s traceback', () => {
    const dir = workdir();
    const path = join(dir, 'deep.py');
    writeFileSync(path, 'def f(n):\n    return f(n + 1)\n\nf(0)\n');
    const bin = join(import.meta.dirname, '..', 'bin', 'pymemsim.js');
    const r = spawnSync(process.execPath, [bin, 'run', '--no-trace', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[Previous line repeated 996 more times]');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('RecursionError: maximum recursion depth exceeded');
  });
});

describe('pymemsim replay', () => {
  it('says what was lost from a trace cut short, and names the byte offset of a damaged header', async () => {
    const dir = workdir();
    const trace = join(dir, 'demo.pmt');
    await runCli(['demo', '-o', trace], memoryIo());
    const bytes = readFileSync(trace);
    const cut = join(dir, 'cut.pmt');
    writeFileSync(cut, bytes.subarray(0, 60));
    const io = memoryIo();
    expect(await runCli(['replay', cut], io)).toBe(65);
    expect(io.stderr).toMatch(/error\[TRACE_FORMAT\]: .*byte \d+/);
  });

  it('replays the chunks before a damaged one and says where the damage is', async () => {
    const dir = workdir();
    const program = join(dir, 'loop.py');
    writeFileSync(program, 'for i in range(2000):\n    x = [i, str(i)]\n');
    const trace = join(dir, 'loop.pmt');
    expect(await runCli(['run', '-o', trace, program], memoryIo())).toBe(0);
    const bytes = readFileSync(trace);
    const second = indexTrace(bytes, trace).chunks[1];
    if (second === undefined) throw new Error('the trace has one chunk');
    // A flipped bit (the CRC catches it), then a body that is not a chunk under a right CRC.
    const flipped = Buffer.from(bytes);
    flipped[second.offset + RECORD_HEADER_SIZE + 3] ^= 0x10;
    const garbage = Buffer.from(bytes);
    const body = garbage.subarray(second.offset + RECORD_HEADER_SIZE, second.offset + RECORD_HEADER_SIZE + 16);
    body.fill(0xff);
    const length = garbage.readUInt32LE(second.offset + 1);
    garbage.writeUInt32LE(
      crc32(garbage.subarray(second.offset + RECORD_HEADER_SIZE, second.offset + RECORD_HEADER_SIZE + length)),
      second.offset + 5,
    );
    for (const [name, damaged] of [
      ['flipped.pmt', flipped],
      ['garbage.pmt', garbage],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, damaged);
      const io = memoryIo();
      expect(await runCli(['replay', path], io)).toBe(1); // a prefix: not the recorded final state
      expect(io.stderr).toContain(`byte ${second.offset}`);
      expect(io.stdout).toContain(`${second.first} events replayed`);
    }
  });
});
