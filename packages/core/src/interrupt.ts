/*
 * The interrupt: how Ctrl-C reaches long work
 * ===========================================
 * One process-wide source says whether the user asked to stop (the command line sets it:
 * its main thread turns SIGINT into a flag the worker reads). Every long loop of the
 * project (folding a trace, indexing it, exporting, validating, comparing, running
 * property suites) calls `checkInterrupt()` once per batch of work, a few thousand
 * events or one chunk, so any command stops within a fraction of a second. The check
 * throws `UserError('INTERRUPTED')` (exit 130); the command line removes the outputs it
 * had not finished and says so.
 *
 * A run of a program polls the same source through the runtime's `interrupted` option,
 * and stops cleanly instead of throwing (its trace gets its footer).
 */
import { UserError } from './errors.js';

/** Says why to stop (e.g. "interrupted (Ctrl-C)"), or undefined to go on. */
export type InterruptSource = () => string | undefined;

let source: InterruptSource | undefined;

/** Install (or, with undefined, remove) the process-wide interrupt source. */
export function setInterruptSource(next: InterruptSource | undefined): void {
  source = next;
}

/** The reason to stop now, if the user asked (undefined otherwise). */
export function interruptReason(): string | undefined {
  return source?.();
}

/** Throw `UserError('INTERRUPTED')` when the user asked to stop. Cheap: call it once per batch of work. */
export function checkInterrupt(): void {
  const reason = source?.();
  if (reason !== undefined) throw new UserError('INTERRUPTED', reason);
}
