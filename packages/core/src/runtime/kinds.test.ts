// The table in the header comment of kinds.ts against KINDS (§1.2, GC-T2, RC-13, RC-15).
import { describe, expect, it } from 'vitest';
import { KINDS, kindInfo, type KindInfo } from './kinds.js';

// The header table of kinds.ts, transcribed; keep the two in step.
const HEADER_TABLE: Record<string, KindInfo> = {
  int: { finalizer: false, gc: false, trackedAtCreation: false, release: 'forward', trashcan: false },
  str: { finalizer: false, gc: false, trackedAtCreation: false, release: 'forward', trashcan: false },
  tuple: { finalizer: false, gc: true, trackedAtCreation: true, release: 'reverse', trashcan: true },
  list: { finalizer: false, gc: true, trackedAtCreation: true, release: 'reverse', trashcan: true },
  dict: { finalizer: false, gc: true, trackedAtCreation: false, release: 'forward', trashcan: true },
  set: { finalizer: false, gc: true, trackedAtCreation: true, release: 'forward', trashcan: true },
  instance: { finalizer: true, gc: true, trackedAtCreation: true, release: 'classLast', trashcan: true },
  function: { finalizer: false, gc: true, trackedAtCreation: true, release: 'forward', trashcan: false },
  generator: { finalizer: true, gc: true, trackedAtCreation: true, release: 'forward', trashcan: false },
};

describe('object kinds', () => {
  it.each(Object.entries(HEADER_TABLE))('describes %s as the header table says', (kind, info) => {
    expect(kindInfo(kind)).toEqual(info);
  });

  it('makes every non-GC kind untracked and every GC kind but dict tracked at creation (§1.2, GC-T2)', () => {
    for (const [kind, info] of Object.entries(KINDS)) {
      expect([kind, info.trackedAtCreation]).toEqual([kind, info.gc && kind !== 'dict']);
    }
  });

  it('treats an unknown kind, or an Object.prototype member name, as an atom', () => {
    for (const kind of ['no-such-kind', 'constructor', 'toString']) {
      expect(kindInfo(kind)).toEqual(HEADER_TABLE['int']);
    }
  });
});
