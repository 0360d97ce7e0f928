/*
 * Text formatting
 * ===============
 * format(value, spec) for int, float and str (the format-spec mini-language), `str % args`
 * (printf-style), and str.format / format_map (replacement fields, conversions, nested
 * specs, attribute and index lookups).
 *
 * Source: Python/formatter_unicode.c (parse_internal_render_format_spec, format_long_internal,
 * format_float_internal, format_string_internal), Objects/unicodeobject.c (PyUnicode_Format),
 * Objects/stringlib/unicode_format.h (MarkupIterator, render_field).
 */
import type { ObjectId } from '@pymemsim/core';
import { formatFloat } from '../format.js';
import { pyStrRepr } from '../format.js';
import { C_TEMP, VM } from '../vm/vm.js';
import { floatOf, intOf } from './number.js';

interface Spec {
  fill: string;
  align: string | undefined;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  type: string;
}

/** parse_internal_render_format_spec. */
function parseSpec(vm: VM, spec: string, dflt: string): Spec {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/su.exec(spec);
  if (m === null) throw vm.pyErr('ValueError', 'Invalid format specifier');
  const [, fill, align, sign, , alt, zero, width, grouping, precision, type] = m;
  return {
    fill: fill ?? (zero !== undefined && align === undefined ? '0' : ' '),
    align: align ?? (zero !== undefined ? '=' : undefined),
    sign: sign ?? '-',
    alt: alt !== undefined,
    zero: zero !== undefined,
    width: width === undefined ? 0 : Number(width),
    grouping: grouping ?? '',
    precision: precision === undefined ? undefined : Number(precision),
    type: type ?? dflt,
  };
}

function pad(body: string, sign: string, spec: Spec, dfltAlign: string): string {
  const len = [...body].length + [...sign].length;
  if (len >= spec.width) return sign + body;
  const n = spec.width - len;
  const align = spec.align ?? dfltAlign;
  const fill = spec.fill;
  switch (align) {
    case '<':
      return sign + body + fill.repeat(n);
    case '>':
      return fill.repeat(n) + sign + body;
    case '^': {
      const left = Math.floor(n / 2);
      return fill.repeat(left) + sign + body + fill.repeat(n - left);
    }
    default:
      return sign + fill.repeat(n) + body;
  }
}

function group(digits: string, sep: string, every: number): string {
  if (sep === '') return digits;
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % every === 0) out += sep;
    out += digits[i] as string;
  }
  return out;
}

function signOf(neg: boolean, spec: Spec): string {
  if (neg) return '-';
  return spec.sign === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
}

function formatInt(vm: VM, v: bigint, spec: Spec): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (spec.type) {
    case 'd':
    case 'n':
      digits = group(a.toString(), spec.grouping, 3);
      break;
    case 'b':
      digits = group(a.toString(2), spec.grouping, 4);
      prefix = spec.alt ? '0b' : '';
      break;
    case 'o':
      digits = group(a.toString(8), spec.grouping, 4);
      prefix = spec.alt ? '0o' : '';
      break;
    case 'x':
      digits = group(a.toString(16), spec.grouping, 4);
      prefix = spec.alt ? '0x' : '';
      break;
    case 'X':
      digits = group(a.toString(16).toUpperCase(), spec.grouping, 4);
      prefix = spec.alt ? '0X' : '';
      break;
    case 'c':
      if (v < 0n || v > 0x10ffffn) throw vm.pyErr('OverflowError', '%c arg not in range(0x110000)');
      return pad(String.fromCodePoint(Number(v)), '', spec, '<');
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case '%':
      return formatFloatSpec(vm, Number(v), spec);
    default:
      throw vm.pyErr('ValueError', `Unknown format code '${spec.type}' for object of type 'int'`);
  }
  const sign = signOf(neg, spec) + prefix;
  if (spec.align === '=' && spec.fill === '0' && spec.grouping !== '' && spec.zero) {
    // Zero padding with grouping groups the padding too.
    const width = Math.max(0, spec.width - sign.length);
    let raw = a.toString(
      spec.type === 'x' || spec.type === 'X' ? 16 : spec.type === 'o' ? 8 : spec.type === 'b' ? 2 : 10,
    );
    const every = spec.type === 'd' || spec.type === 'n' ? 3 : 4;
    while (group(raw, spec.grouping, every).length < width) raw = `0${raw}`;
    return sign + group(raw, spec.grouping, every);
  }
  return pad(digits, sign, spec, '>');
}

/** Python's `%e`/`%f`/`%g` rendering (float_repr_style 'short' for repr, C's printf otherwise). */
export function formatFloatType(v: number, type: string, precision: number | undefined, alt: boolean): string {
  if (!Number.isFinite(v)) {
    const s = Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return type === type.toUpperCase() && type !== '%' && type !== 'r' && type !== '' ? s.toUpperCase() : s;
  }
  const p = precision ?? 6;
  switch (type) {
    case 'f':
    case 'F':
    case '%':
      return toFixed(v, p, alt);
    case 'e':
    case 'E': {
      const s = expForm(v, p, alt);
      return type === 'E' ? s.toUpperCase() : s;
    }
    case 'g':
    case 'G': {
      const s = generalForm(v, p === 0 ? 1 : p, alt);
      return type === 'G' ? s.toUpperCase() : s;
    }
    default:
      return formatFloat(v);
  }
}

function toFixed(v: number, p: number, alt: boolean): string {
  let s: string;
  if (Math.abs(v) < 1e21) s = v.toFixed(p);
  else s = exactFixed(v, p);
  if (Object.is(v, -0) || (v < 0 && /^0(\.0*)?$/.test(s))) s = s.startsWith('-') ? s : `-${s}`;
  if (alt && p === 0) s += '.';
  return s;
}

/** An exact decimal expansion of a large float (toFixed switches to exponent form at 1e21). */
function exactFixed(v: number, p: number): string {
  const neg = v < 0;
  const big = BigInt(Math.abs(v));
  return `${neg ? '-' : ''}${big.toString()}${p > 0 ? `.${'0'.repeat(p)}` : ''}`;
}

function expForm(v: number, p: number, alt: boolean): string {
  let s = v.toExponential(Math.min(p, 100));
  const [m, e] = s.split('e') as [string, string];
  const exp = Number(e);
  s = `${m}${alt && p === 0 ? '.' : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  if (Object.is(v, -0) && !s.startsWith('-')) s = `-${s}`;
  return s;
}

function generalForm(v: number, p: number, alt: boolean): string {
  if (v === 0)
    return Object.is(v, -0) ? (alt ? `-0.${'0'.repeat(p - 1)}` : '-0') : alt ? `0.${'0'.repeat(p - 1)}` : '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  let s: string;
  if (exp >= -4 && exp < p) {
    s = v.toFixed(Math.max(0, p - 1 - exp));
    if (!alt && s.includes('.')) s = s.replace(/\.?0+$/, '');
  } else {
    s = expForm(v, p - 1, alt);
    if (!alt) s = s.replace(/\.?0+e/, 'e');
  }
  return s;
}

function formatFloatSpec(vm: VM, v: number, spec: Spec): string {
  let type = spec.type;
  let precision = spec.precision;
  let body: string;
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (type === '') {
    if (precision === undefined) body = formatFloat(a);
    else {
      body = generalForm(a, precision === 0 ? 1 : precision, spec.alt);
    }
  } else if (type === 'n') {
    body = generalForm(a, precision ?? 6, spec.alt);
  } else if (type === '%') {
    body = `${toFixed(a * 100, precision ?? 6, spec.alt)}%`;
  } else {
    if (!'eEfFgG'.includes(type))
      throw vm.pyErr('ValueError', `Unknown format code '${type}' for object of type 'float'`);
    body = formatFloatType(a, type, precision, spec.alt);
  }
  void type;
  precision = undefined;
  if (spec.grouping !== '') {
    const m = /^(\d+)(.*)$/.exec(body);
    if (m !== null) body = group(m[1] as string, spec.grouping, 3) + (m[2] as string);
  }
  type = '';
  return pad(body, signOf(neg && !Number.isNaN(v), spec), spec, '>');
}

VM.prototype.formatValue = function (this: VM, obj, spec) {
  const v = this.value(obj);
  if (v.t === 'str') {
    const s = parseSpec(this, spec, 's');
    if (s.type !== 's') throw this.pyErr('ValueError', `Unknown format code '${s.type}' for object of type 'str'`);
    if (s.sign !== '-' || spec.includes('+') || spec.includes(' ')) {
      if (/[+ ]/.test(spec.replace(/^.[<>=^]/, '')))
        throw this.pyErr('ValueError', 'Sign not allowed in string format specifier');
    }
    if (s.align === '=') throw this.pyErr('ValueError', "'=' alignment not allowed in string format specifier");
    const text = s.precision === undefined ? v.v : [...v.v].slice(0, s.precision).join('');
    return pad(text, '', s, '<');
  }
  if (v.t === 'int' || v.t === 'bool') {
    if (spec === '') return this.strText(obj);
    const s = parseSpec(this, spec, 'd');
    if (s.precision !== undefined && 'dbcoxXn'.includes(s.type))
      throw this.pyErr('ValueError', 'Precision not allowed in integer format specifier');
    return formatInt(this, intOf(this, obj) as bigint, s);
  }
  if (v.t === 'float') {
    if (spec === '') return formatFloat(v.v);
    return formatFloatSpec(this, v.v, parseSpec(this, spec, ''));
  }
  if (v.t === 'complex') return this.strText(obj);
  throw this.typeError(`unsupported format string passed to ${this.typeName(obj)}.__format__`);
};

// ---------------------------------------------------------------------------------
// printf-style

VM.prototype.percentFormat = function (this: VM, fmt, argsObj) {
  const av = this.value(argsObj);
  const isTuple = av.t === 'tuple';
  const args = isTuple ? av.items : [argsObj];
  const isMapping =
    !isTuple &&
    (av.t === 'dict' || (av.t !== 'str' && this.typeValue(av.type).heap && this.hasAttr(argsObj, '__getitem__')));
  let i = 0;
  let out = '';
  const next = (): ObjectId => {
    const a = args[i++];
    if (a === undefined) throw this.typeError('not enough arguments for format string');
    return a;
  };
  let p = 0;
  while (p < fmt.length) {
    const c = fmt[p] as string;
    if (c !== '%') {
      out += c;
      p++;
      continue;
    }
    p++;
    let key: string | undefined;
    if (fmt[p] === '(') {
      let depth = 1;
      let q = p + 1;
      while (q < fmt.length && depth > 0) {
        if (fmt[q] === '(') depth++;
        else if (fmt[q] === ')') depth--;
        q++;
      }
      if (depth > 0) throw this.pyErr('ValueError', 'incomplete format key');
      key = fmt.slice(p + 1, q - 1);
      p = q;
    }
    let flags = '';
    while ('-+ #0'.includes(fmt[p] ?? 'x') && p < fmt.length) flags += fmt[p++];
    let width = '';
    if (fmt[p] === '*') {
      width = String(this.index(next()));
      p++;
    } else while (/\d/.test(fmt[p] ?? '')) width += fmt[p++];
    let precision: string | undefined;
    if (fmt[p] === '.') {
      p++;
      precision = '';
      if (fmt[p] === '*') {
        precision = String(this.index(next()));
        p++;
      } else while (/\d/.test(fmt[p] ?? '')) precision += fmt[p++];
    }
    while ('hlL'.includes(fmt[p] ?? 'x') && p < fmt.length) p++;
    const conv = fmt[p++];
    if (conv === undefined) throw this.pyErr('ValueError', 'incomplete format');
    if (conv === '%') {
      out += '%';
      continue;
    }
    let arg: ObjectId;
    if (key !== undefined) {
      if (!isMapping) throw this.typeError('format requires a mapping');
      const k = this.newStr(key, C_TEMP);
      try {
        arg = this.getItem(argsObj, k, C_TEMP);
        this.rt.decref(arg, C_TEMP);
      } finally {
        this.rt.decref(k, C_TEMP);
      }
    } else arg = next();
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const signFlag = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    const alt = flags.includes('#');
    const prec = precision === undefined ? undefined : Number(precision === '' ? '0' : precision);
    let body: string;
    let sign = '';
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        body =
          conv === 's' ? this.strText(arg) : conv === 'r' ? this.reprText(arg) : this.strText(this.ascii(arg, C_TEMP));
        if (prec !== undefined) body = [...body].slice(0, prec).join('');
        break;
      }
      case 'd':
      case 'i':
      case 'u': {
        const n = intOf(this, arg) ?? this.numberToInt(arg, conv);
        sign = n < 0n ? '-' : signFlag;
        body = (n < 0n ? -n : n).toString();
        if (prec !== undefined) body = body.padStart(prec, '0');
        break;
      }
      case 'x':
      case 'X':
      case 'o': {
        const n = intOf(this, arg) ?? this.numberToInt(arg, conv, true);
        sign = n < 0n ? '-' : signFlag;
        body = (n < 0n ? -n : n).toString(conv === 'o' ? 8 : 16);
        if (conv === 'X') body = body.toUpperCase();
        if (prec !== undefined) body = body.padStart(prec, '0');
        if (alt) body = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + body;
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        const f = floatOf(this, arg);
        if (f === undefined) {
          const ff = this.lookupType(this.typeOf(arg), '__float__');
          if (ff === undefined) throw this.typeError(`must be real number, not ${this.typeName(arg)}`);
        }
        const x = f ?? this.floatFromSpecial(arg);
        sign = x < 0 || Object.is(x, -0) ? '-' : signFlag;
        body = formatFloatType(Math.abs(x), conv, prec, alt);
        break;
      }
      case 'c': {
        const v = this.value(arg);
        if (v.t === 'str') {
          if ([...v.v].length !== 1) throw this.typeError('%c requires int or char');
          body = v.v;
        } else {
          const n = intOf(this, arg);
          if (n === undefined) throw this.typeError('%c requires int or char');
          if (n < 0n || n > 0x10ffffn) throw this.pyErr('OverflowError', '%c arg not in range(0x110000)');
          body = String.fromCodePoint(Number(n));
        }
        break;
      }
      default:
        throw this.pyErr(
          'ValueError',
          `unsupported format character '${conv}' (0x${conv.charCodeAt(0).toString(16)}) at index ${p - 1}`,
        );
    }
    const w = Number(width === '' ? '0' : width);
    const len = [...body].length + sign.length;
    if (len < w) {
      if (left) body = sign + body + ' '.repeat(w - len);
      else if (zero && 'diuxXoeEfFgG'.includes(conv)) {
        const pre = alt && 'xXo'.includes(conv) ? body.slice(0, 2) : '';
        body = sign + pre + '0'.repeat(w - len) + body.slice(pre.length);
      } else body = ' '.repeat(w - len) + sign + body;
    } else body = sign + body;
    out += body;
  }
  if (!isMapping && i < args.length) throw this.typeError('not all arguments converted during string formatting');
  return out;
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
