/*
 * The simulated host: clocks and entropy
 * =======================================
 * What the C modules ask the operating system for, and the simulation answers itself
 * so that a run is reproducible: a trace recorded twice from the same program is the
 * same trace. By default:
 *
 *   clocks   one simulated clock in nanoseconds, which every reading advances by one
 *            microsecond and time.sleep(s) by s. time.time() starts at
 *            2024-01-01 00:00:00 UTC (1704067200.0), time.monotonic() and
 *            time.perf_counter() at 1000.0 s, time.process_time() counts the readings
 *            only (sleeping uses no CPU). The local time zone is UTC.
 *   entropy  os.urandom(), random.seed() without an argument and a Random made without
 *            a seed draw from one deterministic stream (splitmix64 from seed 0), so an
 *            "unseeded" random sequence is the same on every run.
 *
 * A host that wants the real ones passes `host: { realClock: true, entropy }` in the
 * VM's options (the command line's `--real-clock` and `--real-random` do): the real
 * clock reads `performance` and `Date` (local time zone included), the entropy is
 * whatever function the host gives (e.g. crypto.getRandomValues).
 */
import type { VM } from '../vm/vm.js';

export interface HostOptions {
  /** Read the host's clocks instead of the deterministic one. */
  readonly realClock?: boolean;
  /** Fill `n` bytes of entropy (default: the deterministic stream). */
  readonly entropy?: (n: number) => Uint8Array;
  /** os.environ (default: empty). */
  readonly environ?: Readonly<Record<string, string>>;
  /** os.getcwd() (default: "/"). */
  readonly cwd?: string;
  /**
   * The program's standard input: up to `max` bytes, as one read(2) gives them (a line
   * from a terminal, a piece of a pipe or file); empty at the end. Default: empty (no input).
   */
  readonly stdin?: (max: number) => Uint8Array;
}

/** read(0, max) of the simulated process: the host's standard input. */
export function readStdin(vm: VM, max: number): Uint8Array {
  return vm.host.stdin?.(max) ?? new Uint8Array(0);
}

interface HostState {
  /** Simulated nanoseconds since the start of the run. */
  ns: bigint;
  /** Simulated CPU nanoseconds. */
  cpuNs: bigint;
  /** splitmix64 state of the deterministic entropy stream. */
  seed: bigint;
}

const states = new WeakMap<VM, HostState>();

function state(vm: VM): HostState {
  let s = states.get(vm);
  if (s === undefined) {
    s = { ns: 0n, cpuNs: 0n, seed: 0n };
    states.set(vm, s);
  }
  return s;
}

const TICK_NS = 1000n;
const EPOCH_NS = 1704067200n * 1_000_000_000n;
const MONOTONIC_START_NS = 1000n * 1_000_000_000n;

/** One reading of the deterministic clock: its nanoseconds since the start of the run. */
function tick(vm: VM): bigint {
  const s = state(vm);
  s.ns += TICK_NS;
  s.cpuNs += TICK_NS;
  return s.ns;
}

const realMonotonicNs = (): bigint => BigInt(Math.round(performance.now() * 1e6));

/** time.time_ns(). */
export function wallClockNs(vm: VM): bigint {
  if (vm.host.realClock === true) return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return EPOCH_NS + tick(vm);
}

/** time.monotonic_ns() and time.perf_counter_ns(). */
export function monotonicNs(vm: VM): bigint {
  if (vm.host.realClock === true) return realMonotonicNs();
  return MONOTONIC_START_NS + tick(vm);
}

/** time.process_time_ns() and time.thread_time_ns(). */
export function processTimeNs(vm: VM): bigint {
  if (vm.host.realClock === true) {
    const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
    if (p?.cpuUsage !== undefined) {
      const u = p.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    return realMonotonicNs();
  }
  tick(vm);
  return state(vm).cpuNs;
}

/** time.sleep(seconds): the deterministic clock moves on (the real one is not waited for). */
export function sleepNs(vm: VM, ns: bigint): void {
  if (vm.host.realClock === true) return;
  state(vm).ns += ns;
}

/** Whether local time is the host's (real clock) or UTC (deterministic). */
export function localIsUtc(vm: VM): boolean {
  return vm.host.realClock !== true;
}

const MASK64 = (1n << 64n) - 1n;

/** `n` bytes of entropy: the host's, or the next bytes of the deterministic stream. */
export function entropy(vm: VM, n: number): Uint8Array {
  if (vm.host.entropy !== undefined) return vm.host.entropy(n);
  const s = state(vm);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 8) {
    s.seed = (s.seed + 0x9e3779b97f4a7c15n) & MASK64;
    let z = s.seed;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z ^= z >> 31n;
    for (let j = 0; j < 8 && i + j < n; j++) out[i + j] = Number((z >> BigInt(8 * j)) & 0xffn);
  }
  return out;
}
