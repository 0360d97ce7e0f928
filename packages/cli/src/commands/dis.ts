/*
 * `pymemsim dis prog.py`: the bytecode our compiler makes for a program, printed as
 * `python3 -m dis prog.py` prints CPython 3.11's (every code object, nested ones after
 * their parent). It is what the VM runs, instruction by instruction: learners read it
 * beside a trace, whose events name the instruction offset that caused them.
 */
import { compileSource, disassemble, formatSyntaxError } from '@pymemsim/interp';
import type { Io } from '../io.js';
import { programText } from './run.js';

/** Print the disassembly of the program at `path`; returns the exit code (1 for a SyntaxError, as python3). */
export function disCommand(path: string, io: Io): number {
  // Decoded as python3 decodes a source file (coding cookie, BOM); undecodable bytes end
  // as python3's SyntaxError does.
  const { text, syntaxError } = programText(path);
  if (syntaxError !== undefined) {
    io.err(`${syntaxError}\n`);
    return 1;
  }
  const compiled = compileSource(text, path, 'exec');
  if (compiled.code === undefined) {
    io.err(compiled.error !== undefined ? formatSyntaxError(compiled.error) : 'SyntaxError\n');
    return 1;
  }
  io.out(disassemble(compiled.code));
  return 0;
}
