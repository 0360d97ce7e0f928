import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryOrder, type Numbered } from './entryOrder.js';

/** A model of a dict's entries in insertion order, and EntryOrder answering for it. */
function play(ops: readonly { readonly add: boolean; readonly pick: number }[]): void {
  const order = new EntryOrder(2); // small, so renumbering happens often
  const live: (Numbered & { readonly name: number })[] = [];
  let names = 0;
  for (const op of ops) {
    if (op.add || live.length === 0) {
      const e = { n: -1, name: names++ };
      order.add(e, live);
      live.push(e);
    } else {
      const [e] = live.splice(op.pick % live.length, 1);
      if (e !== undefined) order.remove(e);
    }
    // Every live entry's rank is its index among the live entries.
    live.forEach((e, i) => expect(order.rank(e)).toBe(i));
  }
}

describe('EntryOrder', () => {
  it('ranks each live entry by the live entries inserted before it', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), pick: fc.nat() }), { maxLength: 200 }), (ops) => play(ops)),
      { numRuns: 200 },
    );
  });

  it('starts over after clear', () => {
    const order = new EntryOrder();
    const a = { n: -1 };
    order.add(a, []);
    order.clear();
    const b = { n: -1 };
    const c = { n: -1 };
    order.add(b, []);
    order.add(c, [b]);
    expect([order.rank(b), order.rank(c)]).toEqual([0, 1]);
  });
});
