/*
 * Object kinds
 * ============
 * What the runtime needs to know about each simulated type: whether it is a GC type
 * (carries a GC header, §1.2), whether it is tracked from creation (GC-T2), the order
 * in which its dealloc releases what it holds (RC-13), and whether its dealloc goes
 * through the trashcan (RC-15).
 *
 * Source: Objects/listobject.c list_dealloc, tupleobject.c tupledealloc, dictobject.c
 * dict_dealloc, setobject.c set_dealloc, typeobject.c subtype_dealloc, funcobject.c.
 *
 *   kind       gc   tracked at creation   release order                    trashcan  finalizer
 *   int        no   -                     -                                no        no
 *   str        no   -                     -                                no        no
 *   tuple      yes  yes (not `()`)        items last to first              yes       no
 *   list       yes  yes                   items last to first              yes       no
 *   dict       yes  no (GC-T4, lazily)    entries in order, key then value yes       no
 *   set        yes  yes                   table-slot order                 yes       no
 *   instance   yes  yes                   slots, values, then the class    yes       __del__
 *   function   yes  yes                   in order                         no        no
 *   generator  yes  yes                   its frame, then its names        no        close()
 *   ...        (the table below is the source of truth; kinds.test.ts checks this one)
 */

export type ReleaseOrder = 'forward' | 'reverse' | 'classLast';

export interface KindInfo {
  /** Its dealloc may run a finalizer (tp_finalize: `__del__`, a suspended generator's close). */
  readonly finalizer: boolean;
  readonly gc: boolean;
  readonly trackedAtCreation: boolean;
  readonly release: ReleaseOrder;
  readonly trashcan: boolean;
}

const atom: KindInfo = { finalizer: false, gc: false, trackedAtCreation: false, release: 'forward', trashcan: false };
const container = (release: ReleaseOrder, trashcan: boolean, tracked = true, finalizer = false): KindInfo => ({
  finalizer,
  gc: true,
  trackedAtCreation: tracked,
  release,
  trashcan,
});

export const KINDS = {
  none: atom,
  bool: atom,
  int: atom,
  float: atom,
  str: atom,
  bytes: atom,
  code: atom,
  object: atom,
  range: atom,
  builtin: atom,
  tuple: container('reverse', true),
  list: container('reverse', true),
  dict: container('forward', true, false),
  set: container('forward', true),
  frozenset: container('forward', true),
  instance: container('classLast', true, true, true),
  slotted: container('classLast', true, true, true),
  function: container('forward', false),
  class: container('forward', false),
  cell: container('forward', false),
  method: container('forward', false),
  weakref: container('forward', false),
  module: container('forward', false),
  exception: container('classLast', true, true, true),
  generator: container('forward', false, true, true),
} as const satisfies Record<string, KindInfo>;

export type Kind = keyof typeof KINDS;

/** KINDS as a Map: one hash lookup, and no Object.prototype member (`constructor`) can match. */
const KIND_TABLE: ReadonlyMap<string, KindInfo> = new Map(Object.entries(KINDS));

// The last kind asked for and its info. Every allocation and dealloc asks, and runs of the
// same kind are the rule (a collection tears down thousands of lists in a row), so most
// calls are answered by one string comparison (kind names are literals, so interned).
let lastKind = 'int';
let lastInfo: KindInfo = atom;

export function kindInfo(kind: string): KindInfo {
  if (kind === lastKind) return lastInfo;
  const info = KIND_TABLE.get(kind) ?? atom;
  lastKind = kind;
  lastInfo = info;
  return info;
}
