export * from './events.js';
export * from './state.js';
export {
  HOLEY_MIN,
  forgetRefIndex,
  hasHoles,
  liveRefs,
  positionOfSlot,
  refAtPosition,
  refCount,
  slotOfPosition,
  type RefSlot,
} from './refList.js';
export * from './evolve.js';
export * from './errors.js';
export * from './interrupt.js';
export * from './invariants.js';
export * from './stream.js';
export * from './hash.js';
export * from './runtime/sizes.js';
export * from './runtime/kinds.js';
export * from './runtime/runtime.js';
export * from './runtime/gc.js';
export * from './runtime/gcApi.js';
export * from './runtime/weakref.js';
export * from './runtime/statics.js';
export * from './memory.js';
export * from './views/mallocStats.js';
export { freelistForDead, freelistForNew, isFreelistKeysTable } from './runtime/freelists.js';
export { REALLOCATED_BUFFERS, blockOf, isStaticSpec, preHeaderSize } from './runtime/objectMemory.js';
export * as pymalloc from './runtime/pymalloc.js';
export const CPYTHON_VERSION = '3.11';
export const ENGINE_VERSION = '0.1.0';
