export * from './benchmark.js';
export * from './format.js';
export * from './measure.js';
export * from './registry.js';
export * from './syntheticProgram.js';
export { fold, foldBenchmark, measureFold, type FoldOptions } from './benchmarks/fold.js';
export { measureReplay, replay, replayBenchmark, type ReplayOptions } from './benchmarks/replay.js';
