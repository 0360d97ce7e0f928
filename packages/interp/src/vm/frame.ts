/*
 * Frames
 * ======
 * A running code object (3.11's `_PyInterpreterFrame`): its fast locals, cells and free
 * variables (`localsplus`), its value stack, the instruction it is at, and its references
 * to its function, code and locals dict. Frames are not heap objects in 3.11 (RC-12): a
 * frame's references are held by the frame itself, named by slot in the heap state
 * (`frame 3 var x`, `frame 3 stack`). A generator's or coroutine's frame lives inside the
 * generator object (gi_iframe): its references are the generator's, in slots named
 * like the frame's (`x`, `(stack)`, `(function)`), so the collector sees them as the
 * generator's references, as gen_traverse visits them.
 *
 * Source: Include/internal/pycore_frame.h, Python/frame.c (_PyFrame_Clear), ceval.c
 * (SETLOCAL, the stack macros).
 *
 * Vocabulary:
 *   fid        the frame's id in the heap state (FrameEntered ... FrameExited); a
 *              suspended generator's frame has none.
 *   owner      the generator object owning the frame, or 0.
 *   holders    `stackHolder` owns value-stack references; `slotHolder(i)` (made on
 *              demand) owns localsplus[i]'s.
 */
import type { FrameId, Holder, ObjectId } from '@pymemsim/core';
import type { DecodedCode } from './decode.js';

/** The slot names of a generator frame's special references. */
export const STACK_SLOT = '(stack)';
export const FUNC_SLOT = '(function)';
export const CODE_SLOT = '(code)';
export const LOCALS_SLOT = '(locals)';

export class Frame {
  fid: FrameId = 0 as FrameId;
  owner: ObjectId = 0 as ObjectId;
  /** localsplus: fast locals, cells, free variables (undefined: unbound). */
  readonly localsplus: (ObjectId | undefined)[];
  /** The value stack, bottom first. */
  readonly stack: ObjectId[] = [];
  /** The next instruction's index. */
  pc = 0;
  /** f_lasti when RERAISE moved it back to the instruction that first raised, else -1. */
  lastiOverride = -1;
  stackHolder: Holder;
  /** The previous frame of the thread (the caller), while running. */
  prev: Frame | undefined;
  /** Entered from TypeScript (a native called Python, or a generator resumed): returning leaves the loop. */
  isEntry = false;
  /** The frame object (PyFrameObject) once one was made for it, else 0. */
  frameObject: ObjectId = 0 as ObjectId;
  /** A frame object was made for it at some point (such a frame is never reused). */
  hadFrameObject = false;
  /** KW_NAMES: the keyword names of the next CALL. */
  kwnames: readonly string[] | undefined;

  constructor(
    readonly code: DecodedCode,
    public codeId: ObjectId,
    public func: ObjectId,
    public globals: ObjectId,
    public builtins: ObjectId,
    /** f_locals: the namespace of a module or class body, else 0. */
    public locals: ObjectId,
  ) {
    this.localsplus = new Array<ObjectId | undefined>(code.nlocalsplus).fill(undefined);
    this.stackHolder = { kind: 'stack', frame: 0 as FrameId };
  }

  /** The instruction running (f_lasti): the one before `pc`, unless RERAISE moved it. */
  get lasti(): number {
    return this.lastiOverride >= 0 ? this.lastiOverride : this.pc - 1;
  }

  /** A frame of the same code, reused for a new call (`localsplus` and `stack` are empty). */
  reuse(codeId: ObjectId, func: ObjectId, globals: ObjectId, builtins: ObjectId, locals: ObjectId): void {
    this.codeId = codeId;
    this.func = func;
    this.globals = globals;
    this.builtins = builtins;
    this.locals = locals;
    this.pc = 0;
    this.lastiOverride = -1;
    this.prev = undefined;
    this.isEntry = false;
    this.kwnames = undefined;
  }

  /** Name of localsplus slot i (its holder's slot in the heap state). */
  name(i: number): string {
    return this.code.localsplusnames[i] as string;
  }

  /** The frame now runs as heap-state frame `fid` (a plain frame), or inside generator `owner`. */
  bind(fid: FrameId, owner: ObjectId): void {
    this.fid = fid;
    this.owner = owner;
    this.stackHolder = owner === 0 ? { kind: 'stack', frame: fid } : { kind: 'object', owner, slot: STACK_SLOT };
  }

  /** The holder of localsplus[i] (or of a special slot given by name). */
  slotHolder(name: string): Holder {
    return this.owner === 0
      ? { kind: 'frame', frame: this.fid, name }
      : { kind: 'object', owner: this.owner, slot: name };
  }
}
