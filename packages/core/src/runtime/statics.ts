/*
 * Static objects and identity caches
 * ==================================
 * Objects CPython 3.11 allocates statically, set up as interpreter roots before a
 * program starts: `None`, `True`, `False`, the small ints -5..256 (ID-1), the empty
 * string and the empty tuple (ID-2). Their counts start at a large base (RC-8: 3.11
 * static objects start at 999,999,999 and still move by one; RC-9: `None`, `True`,
 * `False` have start-up counts in the hundreds or thousands). Only deltas of these
 * counts are meaningful (RC-11).
 */
import { objectId, type ObjectId } from '../events.js';
import { BOOL_SIZE, NONE_SIZE, intSize, strSize, tupleSize } from './sizes.js';
import type { Runtime } from './runtime.js';

export const NSMALLNEGINTS = 5;
export const NSMALLPOSINTS = 257;
/** `_PyObject_IMMORTAL_INIT` in 3.11 (not immortal: counts still move). */
export const STATIC_BASE_REFCOUNT = 999_999_999;
/** Approximate start-up counts of the singletons (RC-9); only deltas matter. */
export const NONE_BASE_REFCOUNT = 5_500;
export const BOOL_BASE_REFCOUNT = 400;

export interface Statics {
  readonly none: ObjectId;
  readonly true: ObjectId;
  readonly false: ObjectId;
  readonly emptyStr: ObjectId;
  readonly emptyTuple: ObjectId;
  /** The cached small int for v, or undefined outside -5..256. */
  smallInt(v: number | bigint): ObjectId | undefined;
}

/** Allocate the static objects; each is held by an interpreter root. */
export function bootstrapStatics(rt: Runtime): Statics {
  const root = (name: string) => ({ kind: 'root', name }) as const;
  const none = rt.allocate(
    { pyType: 'NoneType', kind: 'none', size: NONE_SIZE, repr: 'None', base: NONE_BASE_REFCOUNT - 1 },
    root('None'),
  );
  const t = rt.allocate(
    { pyType: 'bool', kind: 'bool', size: BOOL_SIZE, repr: 'True', base: BOOL_BASE_REFCOUNT - 1 },
    root('True'),
  );
  const f = rt.allocate(
    { pyType: 'bool', kind: 'bool', size: BOOL_SIZE, repr: 'False', base: BOOL_BASE_REFCOUNT - 1 },
    root('False'),
  );
  const first = rt.state.allocated + 1;
  for (let v = -NSMALLNEGINTS; v < NSMALLPOSINTS; v++) {
    rt.allocate(
      { pyType: 'int', kind: 'int', size: intSize(BigInt(v)), repr: String(v), base: STATIC_BASE_REFCOUNT - 1 },
      root('small_ints'),
    );
  }
  const emptyStr = rt.allocate(
    { pyType: 'str', kind: 'str', size: strSize(''), repr: "''", base: STATIC_BASE_REFCOUNT - 1 },
    root('interned'),
  );
  const emptyTuple = rt.allocate(
    { pyType: 'tuple', kind: 'tuple', size: tupleSize(0), repr: '()', base: STATIC_BASE_REFCOUNT - 1, track: false },
    root('empty_tuple'),
  );
  return {
    none,
    true: t,
    false: f,
    emptyStr,
    emptyTuple,
    smallInt(v) {
      const n = Number(v);
      if (n < -NSMALLNEGINTS || n >= NSMALLPOSINTS || !Number.isInteger(n)) return undefined;
      return objectId(first + n + NSMALLNEGINTS);
    },
  };
}
