import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROGRAM } from '@pymemsim/interp';
import { RECORD_HEADER_SIZE, crc32, indexTrace, readTrace, replayTrace } from '@pymemsim/replay';
import { checkProgram, runProgram } from '@pymemsim/interp';
import { programSource, resolveModule, scriptPath } from './commands/run.js';
import { runCli, splitRunArguments } from './main.js';
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

describe('pymemsim run: the program reads stdin', () => {
  const PROGRAM = [
    'import sys',
    'name = input("name? ")',
    'print("hello", name)',
    'for line in sys.stdin:',
    '    print(len(line), repr(line))',
    'try:',
    '    input()',
    'except EOFError as e:',
    '    print("EOFError", e)',
    'print(sys.stdin, sys.stdin.buffer, sys.stdin.buffer.raw)',
    'print(sys.stdin.read() == "", sys.stdin.readline() == "")',
    '',
  ].join('\n');
  const INPUT = 'bob\nx\nyy\nlast line without end';

  it.runIf(python311())('input(), iteration and readline see what CPython 3.11 sees', async () => {
    const dir = workdir();
    const path = join(dir, 'reader.py');
    writeFileSync(path, PROGRAM);
    const expected = execFileSync('python3', ['-I', path], { encoding: 'utf8', input: INPUT });
    const io = memoryIo({ stdin: new TextEncoder().encode(INPUT) });
    expect(await runCli(['run', '--no-trace', path], io)).toBe(0);
    expect(io.stdout).toBe(expected);
  });

  it('an empty stdin is the end of input at once (EOFError, as CPython raises it)', async () => {
    const dir = workdir();
    const path = join(dir, 'reader.py');
    writeFileSync(path, PROGRAM);
    const io = memoryIo({ stdin: new Uint8Array(0) });
    expect(await runCli(['run', '--no-trace', path], io)).toBe(1);
    expect(io.stdout).toBe('name? ');
    expect(io.stderr).toMatch(/EOFError: EOF when reading a line\n$/);
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

  it('runs what the old evaluator refused (with, generators) and ends a protocol error as CPython does', async () => {
    const { code, io } = await run('x = 1\nwith x:\n    x = 0\n', '--no-trace');
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr.trim().split('\n').at(-1)).toBe(
      "TypeError: 'int' object does not support the context manager protocol",
    );
    const gen = await run('def g():\n    yield 1\n    yield 2\nprint(sum(x for x in g()))\n', '--no-trace');
    expect(gen.code).toBe(0);
    expect(gen.io.stdout).toBe('3\n');
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
    // The budget stops the run at its 20000th event; the unwinding that follows may release
    // a temporary or two, and those events are in the trace too (it replays to the state).
    expect(contents.events.length).toBeGreaterThanOrEqual(20000);
    expect(contents.events.length).toBeLessThan(20100);
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
  // It spawns the built command: give a loaded machine time.
  it('raises RecursionError at CPython’s default depth and prints CPython’s traceback', { timeout: 30_000 }, () => {
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

describe('pymemsim run: the command line of python3 and memray', () => {
  it('passes what follows the program to it, options included, and takes its own options before it', async () => {
    const dir = workdir();
    const path = join(dir, 'prog.py');
    writeFileSync(path, 'print("ran")\n');
    const io = memoryIo();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await runCli(['run', '--max-events', '100000', path, 'a', '-o', 'other.pmt', '--no-trace'], io)).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(io.stdout).toBe('ran\n');
    expect(existsSync(join(dir, 'prog.pmt'))).toBe(true); // -o and --no-trace were the program's
    expect(existsSync(join(dir, 'other.pmt'))).toBe(false);
    expect(splitRunArguments(['run', '-f', 'p.py', '-x'])).toEqual(['run', '-f', 'p.py', '-x']);
    expect(splitRunArguments(['run', '-c', 'pass', '-x', 'y'])).toEqual(['run', '-c', 'pass', '--', '-x', 'y']);
    expect(splitRunArguments(['run', '-o', 't.pmt', '-m', 'mod', '-v'])).toEqual([
      'run',
      '-o',
      't.pmt',
      '-m',
      'mod',
      '--',
      '-v',
    ]);
    expect(splitRunArguments(['run', '-cpass', 'z'])).toEqual(['run', '-cpass', '--', 'z']);
  });

  it('gives the interpreter sys.argv as python3 would: the program, then its arguments', () => {
    const r = runProgram('x = 1\n', 'prog.py', { argv: ['prog.py', 'a', '-b'] });
    expect(r.vm?.argv).toEqual(['prog.py', 'a', '-b']);
    expect(runProgram('x = 1\n', 'prog.py').vm?.argv).toEqual(['prog.py']);
    const shown = runProgram('import sys\nprint(sys.argv)\n', 'prog.py', { argv: ['prog.py', 'a', '-b'] });
    expect(shown.stdout).toBe("['prog.py', 'a', '-b']\n");
    const io = memoryIo();
    expect(programSource(io, { code: 'pass' })).toEqual({ text: 'pass', path: '<string>', argv0: '-c' });
  });

  it('runs a file program by its absolute path, joined to the current folder as python3 does (argv[0] as given)', () => {
    expect(scriptPath('prog.py', '/home/u')).toBe('/home/u/prog.py');
    expect(scriptPath('./prog.py', '/home/u')).toBe('/home/u/./prog.py');
    expect(scriptPath('../x/prog.py', '/home/u/')).toBe('/home/u/../x/prog.py');
    expect(scriptPath('/abs/prog.py', '/home/u')).toBe('/abs/prog.py');
    const dir = workdir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      writeFileSync(join(dir, 'p.py'), 'print(__file__)\n');
      const src = programSource(memoryIo(), { file: 'p.py' });
      expect(src.argv0).toBe('p.py');
      expect(src.path).toBe(join(process.cwd(), 'p.py'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('-c CODE runs the text as <string>, its trace string.pmt; a syntax error names <string>', async () => {
    const dir = workdir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const io = memoryIo();
      expect(await runCli(['run', '-c', 'print(6 * 7)', 'ignored-arg'], io)).toBe(0);
      expect(io.stdout).toBe('42\n');
      expect(readTrace(readFileSync(join(dir, 'string.pmt')), 'string.pmt').header.program.path).toBe('<string>');
      const bad = memoryIo();
      expect(await runCli(['run', '--no-trace', '-c', 'x = ('], bad)).toBe(1);
      expect(bad.stderr).toMatch(/^ {2}File "<string>", line 1\n/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('-m MODULE finds MODULE.py or MODULE/__main__.py in the current folder, as python3 does', async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'tool.py'), 'print("tool")\n');
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', '__main__.py'), 'print("pkg main")\n');
    mkdirSync(join(dir, 'deep'));
    writeFileSync(join(dir, 'deep', 'inner.py'), 'print("inner")\n');
    expect(resolveModule('tool', dir)).toBe(join(dir, 'tool.py'));
    expect(resolveModule('pkg', dir)).toBe(join(dir, 'pkg', '__main__.py'));
    expect(resolveModule('deep.inner', dir)).toBe(join(dir, 'deep', 'inner.py'));
    expect(() => resolveModule('nothere', dir)).toThrow(/no module named nothere/);
    expect(() => resolveModule('1bad', dir)).toThrow(/not a module name/);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const io = memoryIo();
      expect(await runCli(['run', '-m', 'pkg', 'x'], io)).toBe(0);
      expect(io.stdout).toBe('pkg main\n');
      expect(existsSync(join(dir, '__main__.pmt'))).toBe(true);
      const missing = memoryIo();
      expect(await runCli(['run', '-m', 'nothere'], missing)).toBe(66);
      expect(missing.stderr).toMatch(/error\[FILE_NOT_FOUND\]: no module named nothere/);
      const both = memoryIo();
      expect(await runCli(['run', '-m', 'tool', '-c', 'pass'], both)).toBe(0); // -c after -m MODULE is the module's
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses to overwrite an existing trace unless -f, as memray does', async () => {
    const dir = workdir();
    const path = join(dir, 'prog.py');
    writeFileSync(path, 'print(1)\n');
    const trace = join(dir, 'prog.pmt');
    expect(await runCli(['run', '-o', trace, path], memoryIo())).toBe(0);
    const before = readFileSync(trace);
    const io = memoryIo();
    expect(await runCli(['run', '-o', trace, path], io)).toBe(73);
    expect(io.stdout).toBe(''); // refused before the program ran
    expect(io.stderr).toMatch(/error\[FILE_WRITE\]: .*prog\.pmt already exists: give -f to overwrite it/);
    expect(readFileSync(trace)).toEqual(before);
    expect(await runCli(['run', '-f', '-o', trace, path], memoryIo())).toBe(0);
    expect(await runCli(['run', '--force', '-o', trace, path], memoryIo())).toBe(0);
  });

  it('finishes the trace of a run stopped by --max-events even before the program starts (not a crash)', async () => {
    const dir = workdir();
    const path = join(dir, 'prog.py');
    writeFileSync(path, 'x = 1\n');
    const trace = join(dir, 'prog.pmt');
    expect(await runCli(['run', '--max-events', '100', '-o', trace, path], memoryIo())).toBe(1);
    const contents = readTrace(readFileSync(trace), trace);
    expect(contents.recovered).toBeUndefined(); // a footer: no "did not finish" warning
    expect(contents.footer?.events).toBe(100);
    expect(replayTrace(contents).ok).toBe(true);
    const io = memoryIo();
    expect(await runCli(['inspect', trace], io)).toBe(0);
    expect(io.stderr).not.toMatch(/crashed|did not finish/);
    expect(io.stderr).toMatch(/note: .*never finished \(the run was stopped\)/);
  });

  it('prints the exception class of a syntax error (IndentationError), else SyntaxError', () => {
    const indent = checkProgram('if 1:\nx = 1\n', 'p.py');
    expect(indent.message.trimEnd().split('\n').at(-1)).toBe(
      "IndentationError: expected an indented block after 'if' statement on line 1",
    );
    const plain = checkProgram('x = = 1\n', 'p.py');
    expect(plain.message.trimEnd().split('\n').at(-1)).toBe('SyntaxError: invalid syntax');
  });
});

describe('pymemsim validate on what export writes', () => {
  it("accepts the JSON Lines of export --format jsonl (pymemsim's own event log)", async () => {
    const dir = workdir();
    const trace = join(dir, 'demo.pmt');
    await runCli(['demo', '-o', trace], memoryIo());
    const jsonl = join(dir, 'demo.jsonl');
    expect(await runCli(['export', trace, '--format', 'jsonl', '-o', jsonl], memoryIo())).toBe(0);
    const io = memoryIo();
    expect(await runCli(['validate', jsonl], io)).toBe(0);
    expect(io.stdout).toMatch(/demo\.jsonl: valid \(pymemsim's event log, as export --format jsonl writes it\)/);
    // A damaged event is named by its line.
    const lines = readFileSync(jsonl, 'utf8').split('\n');
    lines[3] = lines[3]?.replace('"type":"', '"type":"Bogus') ?? '';
    writeFileSync(jsonl, lines.join('\n'));
    const bad = memoryIo();
    expect(await runCli(['validate', jsonl], bad)).toBe(2);
    expect(bad.stderr).toMatch(/demo\.jsonl:4:1: unreadable: .*unknown event type/);
  });
});
