/*
 * A traceback entry's source line and its position carets
 * =======================================================
 * What the C traceback printer writes under `  File "...", line N, in f` (tb_displayline):
 * the source line without its indentation (trailing spaces kept), then, when the
 * instruction's position (co_positions of the code at tb_lasti) does not cover the whole
 * line, a line of carets under it. For a binary operation or a subscript, the segment is
 * parsed and the operator or the `[...]` is marked with `^` and the rest with `~`
 * (extract_anchors_from_line); otherwise the whole segment is `^`. A position spanning
 * several lines is marked to the end of the first line.
 *
 * Source: Python/traceback.c (display_source_line_with_margin, tb_displayline,
 * extract_anchors_from_expr, print_error_location_carets), Parser/pegen.c
 * (_PyPegen_byte_offset_to_character_offset). Columns in positions and in the AST are
 * UTF-8 byte offsets; the carets count characters.
 *
 * Simplifications: the segment's AST is not constant-folded (_PyAST_Optimize) before
 * its anchors are found: a folded segment could not have raised.
 */
import type { CodeObject } from '../compile/code.js';
import { coLocations, type Position } from '../compile/dis.js';
import { parse } from '../parse/parser.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** _PyPegen_byte_offset_to_character_offset: characters in the first `offset` UTF-8 bytes of `text`. */
function byteToChar(text: string, offset: number): number {
  const bytes = encoder.encode(text);
  if (offset > bytes.length) return [...text].length;
  return [...decoder.decode(bytes.subarray(0, offset))].length;
}

/** The position of the instruction at code unit `unit` (PyCode_Addr2Location). */
export function positionAt(co: CodeObject, unit: number): Position | undefined {
  const byte = unit * 2;
  for (const loc of coLocations(co)) if (loc.start <= byte && byte < loc.end) return loc.pos;
  return undefined;
}

/** Line `lineno` (1-based) of `source` as a text file reads it (universal newlines), or undefined. */
export function sourceLine(source: string, lineno: number): string | undefined {
  if (lineno < 1) return undefined;
  const lines = source.split(/\r\n|\r|\n/);
  // A final newline ends the last line; it does not start another.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines[lineno - 1];
}

const isWhitespace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';

interface Anchors {
  readonly left: number;
  readonly right: number;
}

/**
 * extract_anchors_from_expr on `segment` (a one-line expression statement): the byte
 * offsets bounding the operator of a BinOp or the `[...]` of a Subscript.
 */
function anchorsOf(segment: string): Anchors | undefined {
  const mod = parse(segment, '<string>').module;
  if (mod === undefined || mod.body.length !== 1) return undefined;
  const stmt = mod.body[0];
  if (stmt?.k !== 'Expr') return undefined;
  const expr = stmt.value;
  const s = encoder.encode(segment);
  const ch = (i: number): string | undefined => (i < s.length ? String.fromCharCode(s[i] as number) : undefined);
  if (expr.k === 'BinOp') {
    let anchors: Anchors | undefined;
    for (let i = expr.left.end_col_offset; i < expr.right.col_offset; i++) {
      if (isWhitespace(ch(i))) continue;
      let right = i + 1;
      // A two-character operator (`//`, `**`, `<<` ...).
      if (i + 1 < expr.right.col_offset && !isWhitespace(ch(i + 1))) right++;
      anchors = { left: i, right };
      // A closing parenthesis of the left operand is not the operator: keep looking.
      if (i + 1 < expr.right.col_offset && ch(i) === ')') continue;
      break;
    }
    return anchors;
  }
  if (expr.k === 'Subscript') {
    let left = expr.value.end_col_offset;
    let right = expr.slice.end_col_offset + 1;
    while (left < s.length && ch(left) !== '[') left++;
    while (right < s.length && ch(right) !== ']') right++;
    if (right < s.length) right++;
    return { left, right };
  }
  return undefined;
}

/**
 * The lines tb_displayline writes after the `File` line: the source line (4 spaces of
 * indent) and, when they say something, the carets. Empty when the line is unknown.
 */
export function displayLine(source: string | undefined, lineno: number, pos: Position | undefined): string[] {
  if (source === undefined) return [];
  const line = sourceLine(source, lineno);
  if (line === undefined) return [];
  let indent = 0;
  while (indent < line.length && (line[indent] === ' ' || line[indent] === '\t' || line[indent] === '\f')) indent++;
  const out = [`    ${line.slice(indent)}`];
  if (
    pos === undefined ||
    pos.lineno === null ||
    pos.end_lineno === null ||
    pos.col_offset === null ||
    pos.end_col_offset === null
  )
    return out;
  const chars = [...line];
  const start = byteToChar(line, pos.col_offset);
  let end = byteToChar(line, pos.end_col_offset);
  let leftEnd = -1;
  let rightStart = -1;
  let primary = '^';
  let secondary = '^';
  if (pos.lineno === pos.end_lineno) {
    const segment = chars.slice(start, end).join('');
    let a: Anchors | undefined;
    try {
      a = anchorsOf(segment);
    } catch {
      a = undefined; // the printer ignores a segment it cannot parse
    }
    if (a !== undefined) {
      leftEnd = byteToChar(segment, a.left) + start;
      rightStart = byteToChar(segment, a.right) + start;
      primary = '~';
      secondary = '^';
    }
  } else {
    // A position over several lines: mark to the last non-blank character of this one.
    let i = chars.length;
    while (--i >= 0) if (!isWhitespace(chars[i])) break;
    end = i + 1;
  }
  // The carets are left out when they would mark the whole (stripped) line.
  const strippedLen = chars.length - indent;
  const special = leftEnd !== -1 || rightStart !== -1;
  if (end - start === strippedLen && !special) return out;
  let carets = '    ';
  for (let offset = indent + 1; offset <= end; offset++) {
    if (offset <= start) carets += ' ';
    else if (special && leftEnd < offset && offset <= rightStart) carets += secondary;
    else carets += primary;
  }
  out.push(carets);
  return out;
}
