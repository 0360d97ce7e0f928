/**
 * Full garbage collections on demand for the commands that stream a large input.
 *
 * V8 lets its old generation grow to hundreds of megabytes of garbage before a full
 * collection when nothing limits it: a streaming reader that keeps a few megabytes alive
 * then peaks at several times that. A collection every few tens of megabytes of input
 * keeps the peak near what is really held, for a few milliseconds each.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null = null;

function collector(): (() => void) | undefined {
  if (gc === null) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = undefined; // not available: the peak is then V8's own choice
    }
  }
  return gc;
}

/** A function to call with the bytes read so far: it collects after every `every` bytes. */
export function collectEvery(every = 48 << 20): (bytesRead: number) => void {
  let next = every;
  return (bytesRead) => {
    if (bytesRead < next) return;
    next = bytesRead + every;
    collector()?.();
  };
}
