/*
 * The trace commands (inspect, report, history, why, diff, stats, export, view, debug), registered on
 * the program by main.ts. Each handler lives in its own module; this one only declares
 * the arguments and flags.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Io } from '../io.js';
import { AT_HELP, atArg, objArg, type AtSpec, type ObjSpec } from './at.js';
import { collectList } from './common.js';
import { debugCommand } from './debug.js';
import { diffCommand } from './diff.js';
import { EXPORT_FORMATS, exportCommand, type ExportFormat } from './export.js';
import { historyCommand } from './history.js';
import { SORT_KEYS, inspectCommand, type SortKey } from './inspect.js';
import { REPORT_GROUPS, REPORT_SORTS, reportCommand, type ReportGroup, type ReportSort } from './report.js';
import { statsCommand } from './stats.js';
import { whyCommand } from './why.js';
import { viewCommand } from './view.js';

/** `--port N`: a TCP port, 1 to 65535. */
export const portArg = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number (1 to 65535)');
  return n;
};

const AT = `${AT_HELP}; default: end`;
const LAST = 'with --at line:N, the last time line N runs (default: the first)';
const OBJ = 'the object: its id (12 or #12) or a variable name (head), resolved at --at';

const limitArg = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a number (0 for all)');
  return n;
};

export function registerTraceCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('inspect')
    .description(
      'print the heap at one moment of a trace (default: the end of the program): frames, variables, objects, GC and memory',
    )
    .argument('<trace>', 'a .pmt trace file')
    .option('--at <when>', AT, atArg)
    .option('--last', LAST)
    .option('--all', 'also list the objects only the interpreter holds (static ints and strings, ...)')
    .option('--type <types>', 'only objects of these types (comma-separated or repeated, e.g. Node,list)', collectList)
    .addOption(
      new Option('--sort <key>', 'order of the objects: age (oldest first), refcount or size (largest first)').choices(
        SORT_KEYS,
      ),
    )
    .option('--limit <n>', 'show at most N objects (default 100; 0 for all)', limitArg)
    .option('--json', 'machine-readable output')
    .action(
      (
        path: string,
        opts: {
          at?: AtSpec;
          last?: boolean;
          all?: boolean;
          type?: string[];
          sort?: SortKey;
          limit?: number;
          json?: boolean;
        },
      ) => {
        setExit(inspectCommand(path, opts, io));
      },
    );

  program
    .command('report')
    .description(
      'which code allocates: objects allocated, bytes, peak live and alive at the end, by line, function or type',
    )
    .argument('<trace>', 'a .pmt trace file')
    .addOption(new Option('--by <group>', 'group the allocations by').choices(REPORT_GROUPS).default('line'))
    .addOption(new Option('--sort <key>', 'rank by (largest first)').choices(REPORT_SORTS).default('allocations'))
    .option('--at <when>', `the last event counted: ${AT_HELP}; default: end`, atArg)
    .option('--last', LAST)
    .option('--limit <n>', 'show at most N rows (default 20; 0 for all)', limitArg)
    .option('--startup', 'also count the objects made by interpreter startup, before the first line')
    .option('--json', 'machine-readable output (every row)')
    .action(
      (
        path: string,
        opts: {
          by: ReportGroup;
          sort: ReportSort;
          at?: AtSpec;
          last?: boolean;
          limit?: number;
          startup?: boolean;
          json?: boolean;
        },
      ) => {
        setExit(reportCommand(path, opts, io));
      },
    );

  program
    .command('history')
    .description('every event that touched one object, with the source line it came from')
    .argument('<trace>', 'a .pmt trace file')
    .requiredOption('--obj <id|name>', OBJ, objArg)
    .option('--at <when>', `where a variable name is looked up: ${AT_HELP}; default: end`, atArg)
    .option('--last', LAST)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { obj: ObjSpec; at?: AtSpec; last?: boolean; json?: boolean }) => {
      setExit(historyCommand(path, opts, io));
    });

  program
    .command('why')
    .description('why an object is alive (chains of references from the roots), or what freed it')
    .argument('<trace>', 'a .pmt trace file')
    .requiredOption('--obj <id|name>', OBJ, objArg)
    .option('--at <when>', AT, atArg)
    .option('--last', LAST)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { obj: ObjSpec; at?: AtSpec; last?: boolean; json?: boolean }) => {
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
    .option('--at <when>', AT, atArg)
    .option('--last', LAST)
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { at?: AtSpec; last?: boolean; json?: boolean }) => {
      setExit(statsCommand(path, opts, io));
    });

  program
    .command('export')
    .description('events as JSON lines, GC passes and counters for Perfetto (chrome), or the heap as Graphviz (dot)')
    .argument('<trace>', 'a .pmt trace file')
    .addOption(new Option('--format <format>', 'what to write').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option(
      '--at <when>',
      `jsonl, chrome: the last event exported (default: last); dot: the moment drawn (default: end); ${AT_HELP}`,
      atArg,
    )
    .option('--last', LAST)
    .option('--all', 'dot: also draw the objects only the interpreter holds')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--json', 'describe the export as JSON on stdout (needs -o)')
    .action(
      (
        path: string,
        opts: { format: ExportFormat; at?: AtSpec; last?: boolean; all?: boolean; output?: string; json?: boolean },
      ) => {
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
