import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectId } from './events.js';
import {
  HOLEY_MIN,
  compact,
  forgetRefIndex,
  hasHoles,
  insertRef,
  liveRefs,
  positionOfSlot,
  pushRef,
  refAtPosition,
  refCount,
  removeRefAtPosition,
  removeRefAtSlot,
  slotOfPosition,
  type RefSlot,
} from './refList.js';
import type { Ref } from './state.js';

const ref = (n: number): Ref => ({ slot: `s${n}`, to: n as ObjectId });

type Op =
  | { kind: 'push' }
  | { kind: 'insert'; at: number }
  | { kind: 'remove'; at: number }
  | { kind: 'removeSlot'; at: number }
  | { kind: 'replace'; at: number }
  | { kind: 'copy' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'push' as const }) },
  { weight: 1, arbitrary: fc.nat().map((at) => ({ kind: 'insert' as const, at })) },
  { weight: 5, arbitrary: fc.nat().map((at) => ({ kind: 'remove' as const, at })) },
  { weight: 2, arbitrary: fc.nat().map((at) => ({ kind: 'removeSlot' as const, at })) },
  { weight: 3, arbitrary: fc.nat().map((at) => ({ kind: 'replace' as const, at })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'copy' as const }) },
);

describe('reference lists (refList.ts)', () => {
  it('agree with a plain array under pushes, inserts and removals, long and short, copied or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * HOLEY_MIN }), fc.array(op, { maxLength: 400 }), (start, ops) => {
        let list: RefSlot[] = [];
        const model: Ref[] = [];
        let n = 0;
        for (let i = 0; i < start; i++) {
          const r = ref(++n);
          pushRef(list, r);
          model.push(r);
        }
        // Most removals from the front: what empties a big container.
        for (let i = 0; i < start / 2; i++) {
          removeRefAtPosition(list, 0);
          model.shift();
        }
        for (const o of ops) {
          if (o.kind === 'push') {
            const r = ref(++n);
            pushRef(list, r);
            model.push(r);
          } else if (o.kind === 'insert') {
            const at = model.length === 0 ? 0 : o.at % (model.length + 1);
            const r = ref(++n);
            insertRef(list, at, r);
            model.splice(at, 0, r);
          } else if (o.kind === 'remove') {
            if (model.length === 0) continue;
            const at = o.at % model.length;
            expect(removeRefAtPosition(list, at)).toBe(model[at]);
            model.splice(at, 1);
          } else if (o.kind === 'replace') {
            // A dict value replaced in place: the new reference goes in before the old one, which goes.
            if (model.length === 0) continue;
            const at = o.at % model.length;
            const r = ref(++n);
            insertRef(list, at, r);
            expect(removeRefAtPosition(list, at + 1)).toBe(model[at]);
            model[at] = r;
          } else if (o.kind === 'removeSlot') {
            if (model.length === 0) continue;
            const at = o.at % model.length;
            const slot = slotOfPosition(list, at);
            expect(positionOfSlot(list, slot)).toBe(at);
            expect(removeRefAtSlot(list, slot)).toBe(model[at]);
            model.splice(at, 1);
          } else {
            list = [...list]; // a copy has no index yet: it is rebuilt
          }
          expect(refCount(list)).toBe(model.length);
        }
        expect(liveRefs(list)).toEqual(model);
        for (let at = 0; at < model.length; at += Math.max(1, Math.floor(model.length / 50))) {
          expect(refAtPosition(list, at)).toBe(model[at]);
        }
        expect(refAtPosition(list, model.length)).toBeUndefined();
        if (list.length < HOLEY_MIN) expect(list.includes(undefined)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('empties a long list from the front without moving what follows (no O(n) move per removal)', () => {
    const size = 1 << 18;
    const list: RefSlot[] = [];
    for (let i = 1; i <= size; i++) pushRef(list, ref(i));
    const last = list[size - 1];
    removeRefAtPosition(list, 0);
    expect(hasHoles(list)).toBe(true);
    expect(list[0]).toBeUndefined();
    // Until the empty slots are half the list, every reference stays in its slot.
    for (let i = 1; i < size / 2; i++) removeRefAtPosition(list, 0);
    expect(list.length).toBe(size);
    expect(list[size - 1]).toBe(last);
    expect(refAtPosition(list, 0)?.to).toBe(size / 2 + 1);
    // Past half, one compaction; then the rest goes the same way.
    const seen: number[] = [];
    for (let i = size / 2; i < size; i++) seen.push(removeRefAtPosition(list, 0)?.to ?? -1);
    expect(seen).toEqual(Array.from({ length: size / 2 }, (_, i) => size / 2 + 1 + i));
    expect(refCount(list)).toBe(0);
  });

  it('a list written in place is re-indexed after forgetRefIndex; compact removes empty slots', () => {
    const list: RefSlot[] = [];
    for (let i = 1; i <= HOLEY_MIN + 10; i++) pushRef(list, ref(i));
    removeRefAtPosition(list, 5);
    expect(refCount(list)).toBe(HOLEY_MIN + 9);
    list[5] = ref(999); // someone fills the hole (a snapshot restore)
    forgetRefIndex(list);
    expect(refCount(list)).toBe(HOLEY_MIN + 10);
    removeRefAtPosition(list, 0);
    compact(list);
    expect(list.includes(undefined)).toBe(false);
    expect(list.length).toBe(HOLEY_MIN + 9);
  });
});
