/*
 * Struct sequences
 * ================
 * The named tuples of C modules (`sys.version_info`, `sys.flags`, `os.stat_result`,
 * `time.struct_time` ...): a static subtype of tuple whose first `nInSequence` fields are
 * the tuple's items (what `len`, indexing, iteration, `==` and `hash` see), followed by
 * hidden fields reachable only by name. Every field, hidden or not, is a reference the
 * object holds (slot `item`), so the allocation is the tuple's header plus all the fields
 * while `sys.getsizeof` counts only the visible ones (ob_size is the visible length).
 *
 *   sys.version_info(major=3, minor=11, ...)   5 fields, all visible: getsizeof 80
 *   os.stat_result                             10 visible of 19: getsizeof 120, 192 allocated
 *
 * An object a C module makes (PyStructSequence_New) is not GC-tracked; one made by
 * calling the type from Python (structseq_new) is. Fields may be unnamed (os.stat_result's
 * integer times): the repr then names the items with the named fields taken in order, as
 * CPython's structseq_repr does with tp_members.
 *
 * Source: Objects/structseq.c (3.11: PyStructSequence_InitType2, PyStructSequence_New,
 * structseq_new_impl, structseq_repr, structseq_reduce, structseq_dealloc).
 */
import { tupleSize, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { NativeMember } from '../vm/values.js';

export interface StructSeqDesc {
  /** tp_name, dotted: `sys.version_info` (module `sys`, name `version_info`). */
  readonly name: string;
  /** Every field's name in order; undefined for an unnamed field (PyStructSequence_UnnamedField). */
  readonly fields: readonly (string | undefined)[];
  /** The number of fields that are the tuple's items (n_sequence_fields). */
  readonly nInSequence: number;
  /** Python code may call the type (sys.version_info and sys.flags clear tp_new). */
  readonly instantiable?: boolean;
}

interface StructSeqInfo {
  readonly desc: StructSeqDesc;
  /** The named fields in order (tp_members), with each one's field index. */
  readonly named: readonly { name: string; index: number }[];
}

const infos = new WeakMap<VM, Map<ObjectId, StructSeqInfo>>();

function infoOf(vm: VM, type: ObjectId): StructSeqInfo {
  const info = infos.get(vm)?.get(type);
  if (info === undefined) throw new Error(`type #${type} is not a struct sequence`);
  return info;
}

/** The fields of a struct sequence, visible then hidden. */
function allFields(vm: VM, obj: ObjectId): ObjectId[] {
  const v = vm.as(obj, 'tuple');
  return [...v.items, ...((v.ext as ObjectId[] | undefined) ?? [])];
}

/** PyStructSequence_InitType2: a new static struct sequence type. */
export function defineStructSeq(vm: VM, desc: StructSeqDesc): ObjectId {
  const dot = desc.name.lastIndexOf('.');
  const module = dot < 0 ? 'builtins' : desc.name.slice(0, dot);
  const shortName = dot < 0 ? desc.name : desc.name.slice(dot + 1);
  const named: { name: string; index: number }[] = [];
  desc.fields.forEach((name, index) => {
    if (name !== undefined) named.push({ name, index });
  });
  const nUnnamed = desc.fields.length - named.length;
  const members: Record<string, NativeMember> = {};
  for (const { name, index } of named) {
    members[name] = {
      k: 'getset',
      get: (vmu, self) => {
        const vm2 = vmu as VM;
        return vm2.ret(allFields(vm2, self)[index] as ObjectId, C_TEMP);
      },
    };
  }
  const intValue = (n: number): NativeMember => ({
    k: 'value',
    make: (vmu) => (vmu as VM).newInt(BigInt(n), { kind: 'root', name: 'static type dicts' }),
  });
  members.n_sequence_fields = intValue(desc.nInSequence);
  members.n_fields = intValue(desc.fields.length);
  members.n_unnamed_fields = intValue(nUnnamed);
  members.__match_args__ = {
    k: 'value',
    make: (vmu) => {
      const vm2 = vmu as VM;
      const names = desc.fields.slice(0, desc.nInSequence).filter((n): n is string => n !== undefined);
      return vm2.newTuple(
        names.map((n) => vm2.internStr(n, C_TEMP)),
        { kind: 'root', name: 'static type dicts' },
        C_TEMP,
      );
    },
  };
  members.__reduce__ = { k: 'method', fn: structseqReduce };
  members.__new__ = {
    k: 'staticmethod',
    fn: (vm2, args, kwnames, out) => {
      const type = args[0] as ObjectId;
      if (desc.instantiable === false) throw vm2.typeError(`cannot create '${desc.name}' instances`);
      return structseqNew(vm2, type, args.slice(1), kwnames, out);
    },
  };
  const type = vm.defineType({
    name: shortName,
    module,
    base: vm.T.tuple,
    baseType: false,
    slots: { repr: structseqRepr, vectorcall: false },
    members,
  });
  let perVm = infos.get(vm);
  if (perVm === undefined) infos.set(vm, (perVm = new Map<ObjectId, StructSeqInfo>()));
  perVm.set(type, { desc, named });
  return type;
}

/**
 * PyStructSequence_New with its fields filled: `values` (every field, hidden ones after
 * the visible) become references the object holds, moved from `from` (or new ones).
 * Not GC-tracked, as a C module's struct sequences are not.
 */
export function newStructSeq(
  vm: VM,
  type: ObjectId,
  values: readonly ObjectId[],
  out: Holder,
  from?: Holder,
  track = false,
): ObjectId {
  const { desc } = infoOf(vm, type);
  if (values.length !== desc.fields.length) {
    throw new Error(`${desc.name} has ${desc.fields.length} fields, got ${values.length}`);
  }
  const visible = values.slice(0, desc.nInSequence);
  const hidden = values.slice(desc.nInSequence);
  const obj = vm.alloc(
    desc.name,
    'method',
    tupleSize(visible.length),
    { t: 'tuple', type, items: visible, ext: hidden },
    out,
    { alloc: tupleSize(values.length), viaTpAlloc: true, track },
  );
  for (const x of values) vm.adopt(x, obj, 'item', from);
  return obj;
}

/** structseq_new: `T(sequence, dict=None)`, the hidden fields taken from dict by name. */
function structseqNew(
  vm: VM,
  type: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const { desc, named } = infoOf(vm, type);
  const n = npos(args, kwnames);
  for (const k of kwnames ?? []) {
    if (k !== 'sequence' && k !== 'dict')
      throw vm.typeError(`${desc.name}() got an unexpected keyword argument '${k}'`);
  }
  const seq = n > 0 ? args[0] : kwarg(args, kwnames, 'sequence');
  const dict = n > 1 ? args[1] : kwarg(args, kwnames, 'dict');
  if (n > 2) throw vm.typeError(`${desc.name}() takes at most 2 arguments (${n} given)`);
  if (seq === undefined) throw vm.typeError(`${desc.name}() missing required argument 'sequence' (pos 1)`);
  const sv = vm.value(seq);
  let items: ObjectId[];
  if (sv.t === 'tuple' || sv.t === 'list') items = sv.items.map((x) => vm.ret(x, C_TEMP));
  else {
    try {
      items = vm.iterateToArray(seq, C_TEMP);
    } catch (e) {
      if (vm.raised(e, 'TypeError')) {
        vm.clearRaise(e);
        throw vm.typeError('constructor requires a sequence');
      }
      throw e;
    }
  }
  const release = (): void => {
    for (const x of items) vm.rt.decref(x, C_TEMP);
  };
  const minLen = desc.nInSequence;
  const maxLen = desc.fields.length;
  if (items.length < minLen || items.length > maxLen) {
    release();
    const bound = items.length < minLen ? minLen : maxLen;
    const which = minLen === maxLen ? 'a' : items.length < minLen ? 'an at least' : 'an at most';
    throw vm.typeError(`${desc.name}() takes ${which} ${bound}-sequence (${items.length}-sequence given)`);
  }
  if (dict !== undefined && dict !== vm.statics.none && vm.value(dict).t !== 'dict') {
    release();
    throw vm.typeError(`${desc.name}() takes a dict as second arg, if any`);
  }
  // Hidden fields not given by position: dict[name], else None.
  for (let i = items.length; i < maxLen; i++) {
    const name = desc.fields[i];
    const fromDict =
      name !== undefined && dict !== undefined && dict !== vm.statics.none ? vm.dictGetStr(dict, name) : undefined;
    items.push(vm.ret(fromDict ?? vm.statics.none, C_TEMP));
  }
  void named;
  return newStructSeq(vm, type, items, out, C_TEMP, true);
}

/** structseq_repr: `name(field=value, ...)` over the visible items, named by tp_members in order. */
function structseqRepr(vm: VM, self: ObjectId): string {
  const { desc, named } = infoOf(vm, vm.typeOf(self));
  const items = vm.as(self, 'tuple').items;
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const name = named[i]?.name ?? '';
    parts.push(`${name}=${vm.reprText(items[i] as ObjectId)}`);
  }
  return `${desc.name}(${parts.join(', ')})`;
}

/** structseq_reduce: (type, (visible tuple, {hidden name: value})). */
const structseqReduce: Native = (vm, args, _kw, out) => {
  const self = args[0] as ObjectId;
  const type = vm.typeOf(self);
  const { desc } = infoOf(vm, type);
  const fields = allFields(vm, self);
  const tup = vm.newTuple(fields.slice(0, desc.nInSequence), C_TEMP);
  const d = vm.newDict(C_TEMP);
  for (let i = desc.nInSequence; i < desc.fields.length; i++) {
    const name = desc.fields[i];
    if (name !== undefined) vm.dictSetStr(d, name, fields[i] as ObjectId, C_TEMP, 'copy');
  }
  const inner = vm.newTuple([tup, d], C_TEMP, C_TEMP);
  return vm.newTuple([vm.ret(type, C_TEMP), inner], out, C_TEMP);
};
