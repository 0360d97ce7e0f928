/*
 * Faults to inject into the runtime under test, one per suite: each suite must fail
 * when its property is broken (check.test.ts). A fault wraps methods of one Runtime
 * instance after the prelude has run (CheckTarget.instrument), or replaces the trace
 * round trip; the model itself is never edited.
 */
import {
  applyEvent,
  isArenaAddress,
  type Holder,
  type MemEvent,
  type ObjectId,
  type Runtime,
  liveObjects,
} from '@pymemsim/core';
import { NAMES } from './program.js';
import { fileRoundTrip } from './suites.js';
import type { CheckTarget } from './laws.js';

/**
 * refcount: the first time a program's name lets go of a list (`del a`, `a = ...`: the
 * reference of a global's dict entry), the decref is skipped: the reference is never
 * dropped. (The interpreter's own lists are left alone: a leak of one of those breaks no
 * law about the program's objects.)
 */
/** The dict-entry slots of the program's names (`["a"]` ...). */
const NAME_SLOTS: ReadonlySet<string> = new Set(NAMES.map((n) => `[${JSON.stringify(n)}]`));

export const skipOneDecref: CheckTarget = {
  instrument(rt: Runtime) {
    const decrefRef = rt.decrefRef.bind(rt);
    let skipped = false;
    rt.decrefRef = (...args: Parameters<Runtime['decrefRef']>) => {
      const [id, , slot] = args;
      if (!skipped && NAME_SLOTS.has(slot) && rt.state.objects[id]?.pyType === 'list') {
        skipped = true;
        return;
      }
      decrefRef(...args);
    };
  },
};

/** gc: after gc.collect(), one reachable instance (the newest) loses a reference it still has. */
export const collectorFreesReachable: CheckTarget = {
  instrument(rt: Runtime) {
    const collect = rt.collect.bind(rt);
    rt.collect = (generation) => {
      const found = collect(generation);
      const victims = liveObjects(rt.state).filter((o) => ['C', 'D', 'L'].includes(o.pyType));
      const victim = victims[victims.length - 1];
      if (victim !== undefined) {
        for (const owner of liveObjects(rt.state)) {
          const ref = owner.refs.find((r) => r?.to === victim.id);
          if (ref === undefined) continue;
          rt.decref(victim.id, { kind: 'object', owner: owner.id, slot: ref.slot });
          break;
        }
      }
      return found;
    };
  },
};

/** weakref: every weakref callback is called twice. */
export const callbackTwice: CheckTarget = {
  instrument(rt: Runtime) {
    const run = rt.hooks.runWeakrefCallback?.bind(rt.hooks);
    rt.hooks.runWeakrefCallback = (callback, wr) => {
      run?.(callback, wr);
      run?.(callback, wr);
    };
  },
};

/** frames: a generator's frame never lets go of its argument `x` (not when it ends, is closed or dies). */
export const generatorKeepsFrame: CheckTarget = {
  instrument(rt: Runtime) {
    const decref = rt.decref.bind(rt);
    rt.decref = (id: ObjectId, holder: Holder) => {
      if (holder.kind === 'object' && holder.slot === 'x' && rt.state.objects[holder.owner]?.pyType === 'generator') {
        return;
      }
      decref(id, holder);
    };
  },
};

/** pymalloc: one pymalloc block is handed out without leaving its pool's free list (so it is handed out twice). */
export const blockHandedOutTwice: CheckTarget = {
  instrument(rt: Runtime) {
    const emit = rt.emit.bind(rt);
    let done = false;
    rt.emit = (event: MemEvent) => {
      if (!done && event.type === 'BlockAllocated' && isArenaAddress(event.addr)) {
        done = true;
        return; // the pool never records the block as taken
      }
      emit(event);
    };
  },
};

/** replay: one event changes the state without being logged. */
export const unloggedEvent: CheckTarget = {
  instrument(rt: Runtime) {
    const emit = rt.emit.bind(rt);
    let done = false;
    rt.emit = (event: MemEvent) => {
      if (!done && event.type === 'RefIncremented') {
        done = true;
        applyEvent(rt.state, event);
        return;
      }
      emit(event);
    };
  },
};

/** trace: a codec that keeps at most 8 characters of a repr (after the prelude). */
export const lossyTrace: CheckTarget = {
  roundTrip(events, state, from) {
    const back = fileRoundTrip(events, state);
    return {
      ...back,
      events: back.events.map((e, i) =>
        i >= from && e.type === 'ObjectAllocated' && e.repr.length > 8 ? { ...e, repr: e.repr.slice(0, 8) } : e,
      ),
    };
  },
};

/** The fault that breaks each suite's property. */
export const FAULTS: Readonly<Record<string, CheckTarget>> = {
  refcount: skipOneDecref,
  gc: collectorFreesReachable,
  weakref: callbackTwice,
  frames: generatorKeepsFrame,
  pymalloc: blockHandedOutTwice,
  replay: unloggedEvent,
  trace: lossyTrace,
};
