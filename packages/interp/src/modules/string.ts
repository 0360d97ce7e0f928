/*
 * _string
 * =======
 * The format-string parser string.Formatter is built on: formatter_parser(s) is an
 * iterator (a `formatteriterator`, holding s) of (literal, field_name, format_spec,
 * conversion) tuples, and formatter_field_name_split(name) returns (first, rest) where
 * rest is a `fieldnameiterator` (holding name) of (is_attribute, key) pairs. The same
 * parser as str.format's, with its error messages.
 *
 * Source: Objects/stringlib/unicode_format.h (MarkupIterator_next, parse_field,
 * field_name_split, FieldNameIterator_next, get_integer, formatteriter_next,
 * fieldnameiter_next, formatter_parser, formatter_field_name_split).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { methO } from './args.js';

/** A piece of the parsed string: [start, end), or absent (NULL in C). */
type Sub = { start: number; end: number } | undefined;

interface MarkupState {
  chars: string[];
  pos: number;
  end: number;
}

interface FieldNameState {
  chars: string[];
  pos: number;
  end: number;
}

const isDecimal = (c: string): boolean => /^\p{Nd}$/u.test(c);

/** Py_UNICODE_TODECIMAL: decimal digits come in blocks of whole runs 0-9. */
export function decimalValue(c: string): number {
  const cp = c.codePointAt(0) as number;
  let start = cp;
  while (start > 0 && cp - start < 200 && isDecimal(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** get_integer: the value of an all-digits substring, or -1. */
function getInteger(vm: VM, chars: readonly string[], sub: Sub): number {
  if (sub === undefined || sub.start >= sub.end) return -1;
  let acc = 0n;
  for (let i = sub.start; i < sub.end; i++) {
    const c = chars[i] as string;
    if (!isDecimal(c)) return -1;
    const digit = BigInt(decimalValue(c));
    if (acc > (9223372036854775807n - digit) / 10n) {
      throw vm.pyErr('ValueError', 'Too many decimal digits in format string');
    }
    acc = acc * 10n + digit;
  }
  return Number(acc);
}

function subStr(vm: VM, chars: readonly string[], sub: Sub, out: Holder): ObjectId {
  if (sub === undefined) return vm.none(out);
  return vm.newStr(chars.slice(sub.start, sub.end).join(''), out);
}

interface Markup {
  literal: Sub;
  fieldPresent: boolean;
  fieldName: Sub;
  formatSpec: Sub;
  conversion: string;
}

/** parse_field. */
function parseField(vm: VM, s: MarkupState, m: Markup): void {
  const ch = s.chars;
  let c = '';
  const nameStart = s.pos;
  while (s.pos < s.end) {
    c = ch[s.pos++] as string;
    if (c === '{') throw vm.pyErr('ValueError', "unexpected '{' in field name");
    if (c === '[') {
      for (; s.pos < s.end; s.pos++) if (ch[s.pos] === ']') break;
      continue;
    }
    if (c === '}' || c === ':' || c === '!') break;
  }
  m.fieldName = { start: nameStart, end: s.pos - 1 };
  if (c === '!' || c === ':') {
    if (c === '!') {
      if (s.pos >= s.end) throw vm.pyErr('ValueError', 'end of string while looking for conversion specifier');
      m.conversion = ch[s.pos++] as string;
      if (s.pos < s.end) {
        c = ch[s.pos++] as string;
        if (c === '}') return;
        if (c !== ':') throw vm.pyErr('ValueError', "expected ':' after conversion specifier");
      }
    }
    const specStart = s.pos;
    let count = 1;
    while (s.pos < s.end) {
      c = ch[s.pos++] as string;
      if (c === '{') count++;
      else if (c === '}') {
        count--;
        if (count === 0) {
          m.formatSpec = { start: specStart, end: s.pos - 1 };
          return;
        }
      }
    }
    throw vm.pyErr('ValueError', "unmatched '{' in format spec");
  } else if (c !== '}') throw vm.pyErr('ValueError', "expected '}' before end of string");
}

/** MarkupIterator_next: undefined at the end. */
function markupNext(vm: VM, s: MarkupState): Markup | undefined {
  const m: Markup = {
    literal: undefined,
    fieldPresent: false,
    fieldName: undefined,
    formatSpec: undefined,
    conversion: '',
  };
  if (s.pos >= s.end) return undefined;
  const ch = s.chars;
  const start = s.pos;
  let c = '';
  let markupFollows = false;
  while (s.pos < s.end) {
    c = ch[s.pos++] as string;
    if (c === '{' || c === '}') {
      markupFollows = true;
      break;
    }
  }
  const atEnd = s.pos >= s.end;
  let len = s.pos - start;
  if (c === '}' && (atEnd || c !== ch[s.pos])) throw vm.pyErr('ValueError', "Single '}' encountered in format string");
  if (atEnd && c === '{') throw vm.pyErr('ValueError', "Single '{' encountered in format string");
  if (!atEnd) {
    if (c === ch[s.pos]) {
      s.pos++;
      markupFollows = false;
    } else len--;
  }
  m.literal = { start, end: start + len };
  if (!markupFollows) return m;
  m.fieldPresent = true;
  parseField(vm, s, m);
  return m;
}

/** FieldNameIterator_next: undefined at the end. */
function fieldNameNext(vm: VM, f: FieldNameState): { isAttr: boolean; name: Sub; idx: number } | undefined {
  if (f.pos >= f.end) return undefined;
  const ch = f.chars;
  const c = ch[f.pos++];
  let isAttr: boolean;
  let name: { start: number; end: number };
  let idx = -1;
  if (c === '.') {
    isAttr = true;
    const start = f.pos;
    while (f.pos < f.end) {
      const d = ch[f.pos++];
      if (d === '[' || d === '.') {
        f.pos--;
        break;
      }
    }
    name = { start, end: f.pos };
  } else if (c === '[') {
    isAttr = false;
    const start = f.pos;
    let bracket = false;
    while (f.pos < f.end) {
      if (ch[f.pos] === ']') {
        bracket = true;
        break;
      }
      f.pos++;
    }
    if (!bracket) throw vm.pyErr('ValueError', "Missing ']' in format string");
    name = { start, end: f.pos };
    f.pos++;
    idx = getInteger(vm, ch, name);
  } else throw vm.pyErr('ValueError', "Only '.' or '[' may follow ']' in format field specifier");
  if (name.start === name.end) throw vm.pyErr('ValueError', 'Empty attribute in format string');
  return { isAttr, name, idx };
}

function strArgument(vm: VM, obj: ObjectId): string {
  const v = vm.value(obj);
  if (v.t !== 'str') throw vm.typeError(`expected str, got ${vm.typeName(obj)}`);
  return v.v;
}

const formatterIterSlots: TypeSlots = {
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    const v = vm.as(self, 'native');
    const s = v.data as MarkupState;
    const m = markupNext(vm, s);
    if (m === undefined) return undefined;
    const ch = s.chars;
    const items = [
      subStr(vm, ch, m.literal, C_TEMP),
      subStr(vm, ch, m.fieldName, C_TEMP),
      m.fieldPresent && m.formatSpec === undefined ? vm.newStr('', C_TEMP) : subStr(vm, ch, m.formatSpec, C_TEMP),
      m.conversion === '' ? vm.none(C_TEMP) : vm.newStr(m.conversion, C_TEMP),
    ];
    return vm.newTuple(items, out, C_TEMP);
  },
};

const fieldNameIterSlots: TypeSlots = {
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    const f = vm.as(self, 'native').data as FieldNameState;
    const r = fieldNameNext(vm, f);
    if (r === undefined) return undefined;
    const obj = r.idx !== -1 ? vm.newInt(BigInt(r.idx), C_TEMP) : subStr(vm, f.chars, r.name, C_TEMP);
    return vm.newTuple([vm.bool(r.isAttr, C_TEMP), obj], out, C_TEMP);
  },
};

function iterType(vm: VM, name: string, slots: TypeSlots): ObjectId {
  return vm.typeByName.get(name) ?? vm.defineType({ name, base: vm.T.object, baseType: false, slots });
}

registerBuiltinModule('_string', (vm, _module, dict) => {
  const parserType = iterType(vm, 'formatteriterator', formatterIterSlots);
  const fieldType = iterType(vm, 'fieldnameiterator', fieldNameIterSlots);
  vm.addFunctions(dict, '_string', {
    formatter_parser: (vm2, args, kwnames, out) => {
      const s = methO(vm2, '_string.formatter_parser', args, kwnames);
      const chars = [...strArgument(vm2, s)];
      const state: MarkupState = { chars, pos: 0, end: chars.length };
      const it = vm2.alloc('formatteriterator', 'object', 48, { t: 'native', type: parserType, data: state }, out);
      vm2.rt.increfRef(s, it, 'str');
      return it;
    },
    formatter_field_name_split: (vm2, args, kwnames, out) => {
      const s = methO(vm2, '_string.formatter_field_name_split', args, kwnames);
      const chars = [...strArgument(vm2, s)];
      let i = 0;
      while (i < chars.length && chars[i] !== '[' && chars[i] !== '.') i++;
      const state: FieldNameState = { chars, pos: i, end: chars.length };
      const it = vm2.alloc('fieldnameiterator', 'object', 56, { t: 'native', type: fieldType, data: state }, C_TEMP);
      vm2.rt.increfRef(s, it, 'str');
      try {
        const first = { start: 0, end: i };
        const idx = getInteger(vm2, chars, first);
        const firstObj = idx !== -1 ? vm2.newInt(BigInt(idx), C_TEMP) : subStr(vm2, chars, first, C_TEMP);
        return vm2.newTuple([firstObj, vm2.ret(it, C_TEMP)], out, C_TEMP);
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
});
