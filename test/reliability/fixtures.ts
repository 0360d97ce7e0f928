/*
 * The files the reliability suite drives the command with: a small program and its
 * trace, a long trace (millions of events: the commands that read it run for seconds),
 * a JSON Lines export of it, and damaged traces of every kind.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo, runCli } from '@pymemsim/cli';
import { HEADER_PREFIX_SIZE, indexTrace } from '@pymemsim/replay';

export const SMALL_PROGRAM = `class Node:
    def __init__(self, name):
        self.name = name
        self.other = None

a = Node("a")
b = Node("b")
a.other = b
b.other = a
print("linked", a.name, b.name)
del a, b
import gc
print("collected", gc.collect())
items = []
for i in range(1500):
    items.append([i, str(i)])
print(len(items), sum([x[0] for x in items]))
`;

/** A program of about ten million events: a linked list and a table, rebuilt over and over. */
export const LONG_PROGRAM = `class Node:
    def __init__(self, value):
        self.value = value
        self.next = None

table = {}
head = None
for i in range(100000):
    node = Node(i)
    node.next = head
    head = node if i % 50 else None
    table[i % 4000] = node
print(len(table))
`;

/** A program that prints without end (its stdout's reader goes away). */
export const PRINTER = `i = 0
while True:
    print(i)
    i = i + 1
`;

/** A program that never ends (a run stopped by Ctrl-C, or killed). */
export const FOREVER = `i = 0
while True:
    x = [i, [i]]
    i = i + 1
`;

export interface Fixtures {
  readonly dir: string;
  readonly program: string;
  readonly trace: string;
  readonly longTrace: string;
  readonly longEvents: number;
  /** The JSON Lines export of the first two million events of the long trace. */
  readonly longJsonl: string;
  readonly forever: string;
  readonly printer: string;
  /** The JSON Lines export of the small trace (valid). */
  readonly jsonl: string;
  /** Damaged traces by kind, with what reading them is (65 unreadable, 0 opened with a warning). */
  readonly damaged: readonly Damaged[];
}

export interface Damaged {
  readonly kind: string;
  readonly path: string;
  /** The exit code of a read command (66 missing, 65 unreadable; undefined: it opens, with a warning). */
  readonly exit?: 65 | 66;
  /** What the error or warning says. */
  readonly message: RegExp;
}

async function cli(args: string[]): Promise<void> {
  const io = memoryIo();
  const code = await runCli(args, io);
  if (code !== 0) throw new Error(`pymemsim ${args.join(' ')}: exit ${code}\n${io.stderr}`);
}

export async function makeFixtures(): Promise<Fixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-reliability-'));
  const program = join(dir, 'prog.py');
  writeFileSync(program, SMALL_PROGRAM);
  const trace = join(dir, 'prog.pmt');
  await cli(['run', '-o', trace, program]);
  const longProgram = join(dir, 'long.py');
  writeFileSync(longProgram, LONG_PROGRAM);
  const longTrace = join(dir, 'long.pmt');
  await cli(['run', '-o', longTrace, longProgram]);
  const longEvents = indexTrace(readFileSync(longTrace), longTrace).events;
  const longJsonl = join(dir, 'long.jsonl');
  await cli(['export', longTrace, '--format', 'jsonl', '--at', '2000000', '-o', longJsonl]);
  const forever = join(dir, 'forever.py');
  writeFileSync(forever, FOREVER);
  const printer = join(dir, 'printer.py');
  writeFileSync(printer, PRINTER);
  const jsonl = join(dir, 'prog.jsonl');
  await cli(['export', trace, '--format', 'jsonl', '-o', jsonl]);

  const bytes = readFileSync(trace);
  const index = indexTrace(bytes, trace);
  const firstChunk = index.chunks[0]?.offset ?? 0;
  // Damage after two whole chunks: what is saved has events.
  const thirdChunk = index.chunks[2]?.offset ?? firstChunk;
  const damagedDir = join(dir, 'damaged');
  mkdirSync(damagedDir);
  const write = (name: string, data: Uint8Array | string): string => {
    const p = join(damagedDir, name);
    writeFileSync(p, data);
    return p;
  };
  const flip = (at: number): Uint8Array => {
    const copy = Uint8Array.from(bytes);
    copy[at] = (copy[at] ?? 0) ^ 0x10;
    return copy;
  };
  const directory = join(damagedDir, 'a-directory.pmt');
  mkdirSync(directory);
  const header = bytes.subarray(0, firstChunk);
  const engineAt = Buffer.from(bytes).indexOf('0.1.0', HEADER_PREFIX_SIZE);
  const damaged: Damaged[] = [
    { kind: 'missing', path: join(damagedDir, 'missing.pmt'), exit: 66, message: /no such file/ },
    { kind: 'a directory', path: directory, exit: 66, message: /is a directory/ },
    { kind: 'empty', path: write('empty.pmt', ''), exit: 65, message: /not a pymemsim trace: .* an empty file/ },
    { kind: 'not a trace', path: write('text.pmt', 'print("hello")\n'), exit: 65, message: /not a pymemsim trace/ },
    {
      kind: 'header cut short',
      path: write('header-cut.pmt', bytes.subarray(0, 40)),
      exit: 65,
      message: /trace header cut short/,
    },
    {
      kind: 'header damaged (a flipped bit in the engine version)',
      path: write('header-flip.pmt', flip(engineAt)),
      exit: 65,
      message: /header at byte 8 is damaged: the CRC32/,
    },
    {
      kind: 'header only (a recording killed at once)',
      path: write('header-only.pmt', header),
      message: /without its footer.*recovered 0 events/,
    },
    {
      kind: 'cut in the middle of a chunk',
      path: write('cut.pmt', bytes.subarray(0, thirdChunk + 200)),
      message: /cut short|without its footer/,
    },
    {
      kind: 'a chunk failing its CRC',
      path: write('chunk-flip.pmt', flip(thirdChunk + 60)),
      message: /is damaged: the CRC32 of its \d+ payload bytes/,
    },
  ];
  copyFileSync(trace, join(damagedDir, 'good.pmt'));
  return { dir, program, trace, longTrace, longEvents, longJsonl, forever, printer, jsonl, damaged };
}
