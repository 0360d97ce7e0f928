/*
 * What a benchmark is and what it reports
 * =======================================
 * A benchmark is a module in `benchmarks/` registered in `registry.ts`. Its `run()`
 * measures pymemsim and, in the same run, a reference, and returns one `Measurement`
 * per figure. Two kinds of reference:
 *
 *   cpython              the same work done by `python3` (CPython 3.11), measured in
 *                        this run on this machine: how far the simulator is from the
 *                        thing it simulates.
 *   plain-object limit   the same events folded into a plain mutable object with
 *                        `foldPlain`: the fastest pymemsim can possibly go, so the ratio
 *                        is the price of immutability (Immer) or of a layer on top.
 *   aim                  no second measurement: the rate we aim for (a seek within 10 ms
 *                        is 100 seeks/s; at most 6 bytes per event is 1/6 event per
 *                        byte), so a ratio of 1 or more meets the aim.
 *
 * `ratio` is always `value / reference` (units are rates, higher is better, so a ratio
 * below 1 means slower than the reference).
 */

export type ReferenceKind = 'cpython' | 'plain-object limit' | 'aim';

export interface Measurement {
  /** `<benchmark>/<variant>`, e.g. `fold/immer-batched`. */
  readonly name: string;
  /** What `value` and `reference` count, e.g. `events/s`. */
  readonly unit: string;
  readonly value: number;
  readonly reference: number;
  readonly referenceKind: ReferenceKind;
  /** `value / reference`. */
  readonly ratio: number;
  /** The ratio we aim for, when there is one. */
  readonly target?: number;
  /** What exactly was measured (sizes, prefixes, what the reference is). */
  readonly note?: string;
}

export interface Benchmark {
  /** Matched by `--filter`. */
  readonly name: string;
  run(): Promise<Measurement[]>;
}

/** A measurement with `ratio` computed from `value` and `reference`. */
export function measurement(m: Omit<Measurement, 'ratio'>): Measurement {
  // Built field by field so that JSON output lists the fields in this order.
  return {
    name: m.name,
    unit: m.unit,
    value: m.value,
    reference: m.reference,
    referenceKind: m.referenceKind,
    ratio: m.value / m.reference,
    ...(m.target !== undefined ? { target: m.target } : {}),
    ...(m.note !== undefined ? { note: m.note } : {}),
  };
}
