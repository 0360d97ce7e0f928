/*
 * The trace commands (inspect, history, why, diff, stats, export, view, debug), registered on
 * the program by main.ts. Each handler lives in its own module; this one only declares
 * the arguments and flags.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { collectList, eventArg, objectArg } from './common.js';
import { debugCommand } from './debug.js';
import { diffCommand } from './diff.js';
import { EXPORT_FORMATS, exportCommand, type ExportFormat } from './export.js';
import { historyCommand } from './history.js';
import { inspectCommand } from './inspect.js';
import { statsCommand } from './stats.js';
import { whyCommand } from './why.js';
import { viewCommand } from './view.js';

/** `--port N`: a TCP port, 1 to 65535. */
export const portArg = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number (1 to 65535)');
  return n;
};

const AT = 'the event after which to look (default: the last event; "end" for the last)';

export function registerTraceCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('inspect')
    .description('print the heap after one event of a trace: frames, variables, objects, GC and memory')
    .argument('<trace>', 'a .pmt trace file')
    .option('--at <n>', AT, eventArg)
    .option('--all', 'also list the objects only the interpreter holds (static ints and strings, ...)')
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { at?: number; all?: boolean; json?: boolean }) => {
      setExit(inspectCommand(path, opts, io));
    });

  program
    .command('history')
    .description('every event that touched one object, with the source line it came from')
    .argument('<trace>', 'a .pmt trace file')
    .requiredOption('--obj <id>', 'the object id (as in #12)', objectArg)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { obj: number; json?: boolean }) => {
      setExit(historyCommand(path, opts, io));
    });

  program
    .command('why')
    .description('why an object is alive (chains of references from the roots), or what freed it')
    .argument('<trace>', 'a .pmt trace file')
    .requiredOption('--obj <id>', 'the object id (as in #12)', objectArg)
    .option('--at <n>', AT, eventArg)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { obj: number; at?: number; json?: boolean }) => {
      setExit(whyCommand(path, opts, io));
    });

  program
    .command('diff')
    .description(
      'the first event where two traces diverge, and how their heaps differ there (exit 0 same, 1 different, 2 error)',
    )
    .argument('<a>', 'a .pmt trace file')
    .argument('<b>', 'another .pmt trace file')
    .option(
      '--ignore <fields>',
      'field names to leave out of the comparison, comma-separated or repeated (e.g. addr)',
      collectList,
    )
    .option('--json', 'machine-readable output')
    .action((a: string, b: string, opts: { ignore?: string[]; json?: boolean }) => {
      setExit(diffCommand(a, b, opts, io));
    });

  program
    .command('stats')
    .description('gc.get_stats() and sys._debugmallocstats() as CPython prints them, after any event')
    .argument('<trace>', 'a .pmt trace file')
    .option('--at <n>', AT, eventArg)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { at?: number; json?: boolean }) => {
      setExit(statsCommand(path, opts, io));
    });

  program
    .command('export')
    .description('events as JSON lines, GC passes and counters for Perfetto (chrome), or the heap as Graphviz (dot)')
    .argument('<trace>', 'a .pmt trace file')
    .addOption(new Option('--format <format>', 'what to write').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option(
      '--at <n>',
      'jsonl, chrome: the last event exported; dot: the event after which the heap is drawn',
      eventArg,
    )
    .option('--all', 'dot: also draw the objects only the interpreter holds')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--json', 'describe the export as JSON on stdout (needs -o)')
    .action(
      (path: string, opts: { format: ExportFormat; at?: number; all?: boolean; output?: string; json?: boolean }) => {
        setExit(exportCommand(path, opts, io));
      },
    );

  program
    .command('view')
    .description('the time-travel viewer in the browser: source, heap graph, timeline, arena map (a local server)')
    .argument('<trace>', 'a .pmt trace file')
    .option('--port <n>', 'serve on this port of 127.0.0.1 (default: a free one)', portArg)
    .option('--no-open', 'print the URL without opening a browser')
    .option('--html <file>', 'write one self-contained page that works offline instead (short traces)')
    .action(async (path: string, opts: { port?: number; open: boolean; html?: string }) => {
      setExit(await viewCommand(path, opts, io));
    });

  program
    .command('debug')
    .description(
      'a time-travel debugger: step, back, goto, watch, continue and reverse-continue (reads commands from stdin)',
    )
    .argument('<trace>', 'a .pmt trace file')
    .option('--json', 'answer each command with one line of JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      setExit(await debugCommand(path, io, opts));
    });
}
