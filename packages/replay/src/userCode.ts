/*
 * The end of the user's code in a trace
 * =====================================
 * A run's last events are interpreter shutdown (Py_FinalizeEx): a full collection,
 * `sys.modules` letting go of `__main__`, another collection; by then the program's
 * objects are gone. The views of a trace (inspect, export --format dot, report) default
 * to the moment before that: the event where the main module's frame exits.
 *
 * The main module's frame is a frame entered as `<module>` without a parent frame (a
 * module imported by running code has the importing frame as its parent); when several
 * were (modules run before the program), the last to exit is the main one, and no
 * `<module>` frame runs during shutdown. A run stopped before the main module's frame
 * exited (--max-events, Ctrl-C) has no such event.
 *
 * The encoder watches for it as events are pushed and records its seq in the footer
 * (`userCodeEnd`); a trace written before the footer had that field is scanned once
 * (Timeline.userCodeEnd).
 */
import type { MemEvent } from '@pymemsim/core';

export class UserCodeEnd {
  private readonly moduleFrames = new Set<number>();
  /** The seq of the main module's FrameExited so far (undefined: none yet). */
  seq: number | undefined;

  /** Watch event `seq`. */
  see(event: MemEvent, seq: number): void {
    if (event.type === 'FrameEntered') {
      if (event.parent === undefined && event.name === '<module>') this.moduleFrames.add(event.frame);
    } else if (event.type === 'FrameExited' && this.moduleFrames.has(event.frame)) {
      this.moduleFrames.delete(event.frame);
      this.seq = seq;
    }
  }
}
