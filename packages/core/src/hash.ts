/*
 * Canonical form and hash of a heap state: the same state always gives the same text
 * and the same hash, whatever order its tables were filled in. Used to compare a
 * replayed state with a recorded one. Pure JavaScript (core does no I/O and imports
 * no platform module): FNV-1a over the canonical JSON, 64 bits as two 32-bit lanes.
 */
import { compactState, type HeapState } from './state.js';

/** JSON with object keys sorted, so equal states give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  // Like JSON: a property whose value is undefined is not there (a freed object's slot).
  const keys = Object.keys(value)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function fnv1a64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
}

/** The hash of a state; freed slots of its tables are not part of it (compactState). */
export const hashState = (state: HeapState): string => fnv1a64(canonicalJson(compactState(state)));
