/*
 * Text formatting
 * ===============
 * format(value, spec) for int, float, complex and str (the format-spec mini-language, as
 * objects/formatSpec.ts computes it), `str % args` and `bytes % args` (printf-style, as
 * objects/printf.ts computes it over the VM's objects), and str.format / format_map
 * (replacement fields, conversions, nested specs, attribute and index lookups).
 *
 * Source: Python/formatter_unicode.c (parse_internal_render_format_spec, format_long_internal,
 * format_float_internal, format_string_internal), Objects/unicodeobject.c (PyUnicode_Format),
 * Objects/stringlib/unicode_format.h (MarkupIterator, render_field).
 */
import type { ObjectId } from '@pymemsim/core';
import { pyStrRepr } from '../format.js';
import { C_TEMP, VM } from '../vm/vm.js';
import * as spec from './formatSpec.js';
import { floatOf, intOf } from './number.js';
import { percentFormat, type PrintfHost } from './printf.js';
import { PyError } from './pyError.js';

VM.prototype.formatValue = function (this: VM, obj, specText) {
  const v = this.value(obj);
  const name = this.typeName(obj);
  if (v.t === 'str') return objectOp(this, () => spec.formatStr(v.v, specText, name));
  if (v.t === 'int' || v.t === 'bool') {
    if (specText === '') return this.strText(obj);
    return objectOp(this, () => spec.formatInt(intOf(this, obj) as bigint, specText, name));
  }
  if (v.t === 'float') return objectOp(this, () => spec.formatFloat(v.v, specText, name));
  if (v.t === 'complex') {
    if (specText === '') return this.strText(obj);
    return objectOp(this, () => spec.formatComplex(v.re, v.im, specText, name));
  }
  throw this.typeError(`unsupported format string passed to ${this.typeName(obj)}.__format__`);
};

/** Run a pure object operation, raising its PyError as the Python exception. */
export function objectOp<T>(vm: VM, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyError) throw vm.pyErr(e.pyType, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------
// printf-style

/** bytes as latin-1 text (one character a byte). */
function latin1Text(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode(...b.subarray(i, i + 8192));
  return out;
}

const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The printf host over the VM's objects: what objects/printf.ts asks of an argument. */
function printfHost(vm: VM, temps: ObjectId[]): PrintfHost<ObjectId> {
  const special = (v: ObjectId, name: string): ObjectId | undefined => {
    const f = vm.lookupType(vm.typeOf(v), name);
    if (f === undefined || f === vm.statics.none) return undefined;
    const r = vm.callUnbound(f, v, [], C_TEMP);
    temps.push(r);
    return r;
  };
  return {
    tupleItems: (v) => {
      const x = vm.value(v);
      return x.t === 'tuple' ? x.items : undefined;
    },
    isMapping: (v) => {
      const x = vm.value(v);
      if (['dict', 'list', 'tuple', 'str', 'bytes', 'range', 'mappingproxy'].includes(x.t)) return true;
      return vm.lookupType(vm.typeOf(v), '__getitem__') !== undefined;
    },
    isStr: (v) => vm.value(v).t === 'str',
    isBytes: (v) => vm.value(v).t === 'bytes',
    getItem: (m, key, bytesKey) => {
      const k = bytesKey ? vm.newBytes(latin1Bytes(key), C_TEMP) : vm.newStr(key, C_TEMP);
      try {
        const item = vm.getItem(m, k, C_TEMP);
        temps.push(item);
        return item;
      } finally {
        vm.rt.decref(k, C_TEMP);
      }
    },
    longValue: (v) => intOf(vm, v),
    number: (v) => {
      const x = vm.value(v);
      if (x.t === 'int' || x.t === 'bool') return { kind: 'int', value: intOf(vm, v) as bigint };
      if (x.t === 'float') return { kind: 'float', value: x.v };
      if (x.t === 'complex') return { kind: 'other' };
      if (vm.hasIndex(v)) return { kind: 'int', value: vm.index(v) };
      const i = special(v, '__int__');
      if (i !== undefined) {
        const n = intOf(vm, i);
        if (n !== undefined) return { kind: 'int', value: n };
      }
      const f = special(v, '__float__');
      if (f !== undefined) {
        const n = floatOf(vm, f);
        if (n !== undefined) return { kind: 'float', value: n };
      }
      return undefined;
    },
    strValue: (v) => {
      const x = vm.value(v);
      return x.t === 'str' ? x.v : undefined;
    },
    bytesValue: (v) => {
      const x = vm.value(v);
      return x.t === 'bytes' ? latin1Text(x.v) : undefined;
    },
    str: (v) => vm.strText(v),
    repr: (v) => vm.reprText(v),
    ascii: (v) => {
      const a = vm.ascii(v, C_TEMP);
      temps.push(a);
      return vm.strText(a);
    },
    typeName: (v) => vm.typeName(v),
  };
}

/** str % args (PyUnicode_Format, objects/printf.ts). */
VM.prototype.percentFormat = function (this: VM, fmt, argsObj) {
  const temps: ObjectId[] = [];
  try {
    return objectOp(this, () => percentFormat(printfHost(this, temps), fmt, argsObj));
  } finally {
    for (const t of temps) this.rt.decref(t, C_TEMP);
  }
};

/** bytes % args (_PyBytes_FormatEx): the bytes of the result. */
VM.prototype.bytesPercentFormat = function (this: VM, fmt, argsObj) {
  const temps: ObjectId[] = [];
  try {
    return latin1Bytes(objectOp(this, () => percentFormat(printfHost(this, temps), latin1Text(fmt), argsObj, true)));
  } finally {
    for (const t of temps) this.rt.decref(t, C_TEMP);
  }
};

declare module '../vm/vm.js' {
  interface VM {
    numberToInt(obj: ObjectId, conv: string, indexOnly?: boolean): bigint;
    floatFromSpecial(obj: ObjectId): number;
  }
}

VM.prototype.numberToInt = function (this: VM, obj, conv, indexOnly) {
  const v = this.value(obj);
  if (v.t === 'float' && !indexOnly) {
    if (!Number.isFinite(v.v)) throw this.pyErr('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v.v));
  }
  if (this.hasIndex(obj)) return this.index(obj);
  if (!indexOnly) {
    const f = this.lookupType(v.type, '__int__');
    if (f !== undefined) {
      const r = this.callUnbound(f, obj, [], C_TEMP);
      const n = intOf(this, r) ?? 0n;
      this.rt.decref(r, C_TEMP);
      return n;
    }
    throw this.typeError(`%${conv} format: a real number is required, not ${this.typeName(obj)}`);
  }
  throw this.typeError(`%${conv} format: an integer is required, not ${this.typeName(obj)}`);
};

VM.prototype.floatFromSpecial = function (this: VM, obj) {
  const f = this.lookupType(this.typeOf(obj), '__float__');
  if (f === undefined) throw this.typeError(`must be real number, not ${this.typeName(obj)}`);
  const r = this.callUnbound(f, obj, [], C_TEMP);
  try {
    return floatOf(this, r) ?? 0;
  } finally {
    this.rt.decref(r, C_TEMP);
  }
};

// ---------------------------------------------------------------------------------
// str.format

VM.prototype.strFormat = function (this: VM, fmt, args, kwnames) {
  const nkw = kwnames === undefined ? 0 : kwnames.length;
  const pos = args.slice(0, args.length - nkw);
  const kw = new Map<string, ObjectId>();
  kwnames?.forEach((k, i) => kw.set(k, args[args.length - nkw + i] as ObjectId));
  return renderFormat(this, fmt, pos, (name) => kw.get(name), 2);
};

VM.prototype.strFormatMap = function (this: VM, fmt, mapping) {
  return renderFormat(
    this,
    fmt,
    [],
    (name) => {
      const k = this.newStr(name, C_TEMP);
      try {
        const v = this.getItem(mapping, k, C_TEMP);
        this.rt.decref(v, C_TEMP);
        return v;
      } finally {
        this.rt.decref(k, C_TEMP);
      }
    },
    2,
  );
};

function renderFormat(
  vm: VM,
  fmt: string,
  pos: readonly ObjectId[],
  byName: (name: string) => ObjectId | undefined,
  depth: number,
): string {
  if (depth < 0) throw vm.pyErr('ValueError', 'Max string recursion exceeded');
  let out = '';
  let auto = 0;
  let mode: 'auto' | 'manual' | undefined;
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i] as string;
    if (c === '}') {
      if (fmt[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw vm.pyErr('ValueError', "Single '}' encountered in format string");
    }
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    if (fmt[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    // Find the matching '}'.
    let level = 1;
    let j = i + 1;
    while (j < fmt.length && level > 0) {
      if (fmt[j] === '{') level++;
      else if (fmt[j] === '}') level--;
      j++;
    }
    if (level > 0) throw vm.pyErr('ValueError', "expected '}' before end of string");
    const field = fmt.slice(i + 1, j - 1);
    i = j;
    let spec = '';
    let conv: string | undefined;
    let fieldName = field;
    const colon = field.search(/[:!]/);
    if (colon >= 0) {
      fieldName = field.slice(0, colon);
      let rest = field.slice(colon);
      if (rest.startsWith('!')) {
        conv = rest[1];
        rest = rest.slice(2);
        if (rest !== '' && !rest.startsWith(':'))
          throw vm.pyErr('ValueError', "expected ':' after conversion specifier");
      }
      if (rest.startsWith(':')) spec = rest.slice(1);
    }
    const m = /^([^.[]*)(.*)$/s.exec(fieldName) as RegExpExecArray;
    let first = m[1] as string;
    const rest = m[2] as string;
    let obj: ObjectId;
    if (first === '') {
      if (mode === 'manual')
        throw vm.pyErr('ValueError', 'cannot switch from manual field specification to automatic field numbering');
      mode = 'auto';
      first = String(auto++);
    } else if (/^\d+$/.test(first)) {
      if (mode === 'auto')
        throw vm.pyErr('ValueError', 'cannot switch from automatic field numbering to manual field specification');
      mode = 'manual';
    }
    if (/^\d+$/.test(first)) {
      const a = pos[Number(first)];
      if (a === undefined)
        throw vm.pyErr('IndexError', `Replacement index ${first} out of range for positional args tuple`);
      obj = vm.ret(a, C_TEMP);
    } else {
      const a = byName(first);
      if (a === undefined)
        throw vm.raiseNew(vm.typeByName.get('KeyError') as never, [vm.newStr(first, C_TEMP)], C_TEMP);
      obj = vm.ret(a, C_TEMP);
    }
    // .attr and [index] parts.
    for (const part of rest.matchAll(/\.([^.[]+)|\[([^\]]+)\]/g)) {
      let next: ObjectId;
      try {
        if (part[1] !== undefined) next = vm.getAttr(obj, part[1], C_TEMP);
        else {
          const keyText = part[2] as string;
          const key = /^\d+$/.test(keyText) ? vm.newInt(BigInt(keyText), C_TEMP) : vm.newStr(keyText, C_TEMP);
          try {
            next = vm.getItem(obj, key, C_TEMP);
          } finally {
            vm.rt.decref(key, C_TEMP);
          }
        }
      } finally {
        vm.rt.decref(obj, C_TEMP);
      }
      obj = next;
    }
    try {
      if (conv !== undefined) {
        const converted =
          conv === 'r'
            ? vm.repr(obj, C_TEMP)
            : conv === 's'
              ? vm.str(obj, C_TEMP)
              : conv === 'a'
                ? vm.ascii(obj, C_TEMP)
                : undefined;
        if (converted === undefined) throw vm.pyErr('ValueError', `Unknown conversion specifier ${conv}`);
        vm.rt.decref(obj, C_TEMP);
        obj = converted;
      }
      const fullSpec = spec.includes('{') ? renderFormat(vm, spec, pos, byName, depth - 1) : spec;
      const specObj = vm.newStr(fullSpec, C_TEMP);
      try {
        const r = vm.format(obj, specObj, C_TEMP);
        out += vm.as(r, 'str').v;
        vm.rt.decref(r, C_TEMP);
      } finally {
        vm.rt.decref(specObj, C_TEMP);
      }
    } finally {
      vm.rt.decref(obj, C_TEMP);
    }
  }
  return out;
}

VM.prototype.reprTextOfStr = function (this: VM, s: string) {
  return pyStrRepr(s);
};
