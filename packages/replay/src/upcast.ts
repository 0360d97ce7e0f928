/*
 * Upcasting events of older schemas
 * =================================
 * A trace records the EVENT_SCHEMA_VERSION it was written with (header field `schema`).
 * A reader of a newer pymemsim turns each event of an older schema into the current
 * shape before checking it (eventSchema.ts) and folding it, one schema step at a time:
 *
 *   schema n event --UPCASTS[n]--> schema n+1 event --...--> current schema
 *
 * Read first: upcast().
 *
 * Vocabulary: `UPCASTS[n]` takes a decoded event of schema n to schema n+1. It may
 * rename or fill in fields, but it maps one event to exactly one event: sequence
 * numbers (chunk `first`, checkpoint `seq`, footer `events`) count stored events, and
 * they must keep meaning the same positions after upcasting.
 * Schema 2 only added a field every event may have (`offset`, EventPosition in core's
 * events.ts): an event of schema 1 is an event of schema 2 without it, so there is no
 * `UPCASTS[1]` and upcasting from schema 1 is the identity. The reader tests keep a
 * trace of schema 1 (fixtures/) that must still open, replay and answer. A later bump
 * that renames or reshapes a field adds its step here.
 *
 * Invariants: upcast(e, EVENT_SCHEMA_VERSION) is e; readers refuse schemas newer than
 * EVENT_SCHEMA_VERSION (TRACE_VERSION) and schemas below FIRST_SCHEMA.
 */
import { EVENT_SCHEMA_VERSION } from '@pymemsim/core';
import type { Plain } from './codec.js';

/** The oldest event schema any pymemsim wrote. */
export const FIRST_SCHEMA = 1;

/** One step: an event of schema `n` (the key) as events of schema `n + 1`. */
export const UPCASTS: Readonly<Record<number, (event: Plain) => Plain>> = {};

/** True when this reader can read events of `schema` (an integer, not newer than ours). */
export const isReadableSchema = (schema: number): boolean =>
  Number.isSafeInteger(schema) && schema >= FIRST_SCHEMA && schema <= EVENT_SCHEMA_VERSION;

/** True when events of `schema` change on their way to the current schema (some step between them converts). */
export function needsUpcast(schema: number): boolean {
  for (let s = schema; s < EVENT_SCHEMA_VERSION; s++) if (UPCASTS[s] !== undefined) return true;
  return false;
}

/** A decoded event of schema `fromSchema` as an event of the current schema (not yet checked). */
export function upcast(event: Plain, fromSchema: number): Plain {
  let current = event;
  for (let schema = fromSchema; schema < EVENT_SCHEMA_VERSION; schema++) {
    const step = UPCASTS[schema];
    if (step !== undefined) current = step(current); // none: that bump changed no event shape
  }
  return current;
}
