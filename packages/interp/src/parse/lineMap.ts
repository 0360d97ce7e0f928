/*
 * Line and column of a text offset, counted as CPython counts them: lines end at `\n`,
 * `\r\n` or a lone `\r`; AST columns (`col_offset`) are UTF-8 bytes from the line start,
 * SyntaxError columns (`offset`) are characters (code points) from the line start.
 */
export class LineMap {
  /** Offsets where lines start; lineStarts[0] = 0 is line 1. */
  private readonly lineStarts: number[] = [0];
  /** Per line: true when the line is pure ASCII (then byte column = offset difference). */
  private readonly ascii: boolean[] = [];
  private lastLine = 0;

  constructor(readonly text: string) {
    let ascii = true;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        this.ascii.push(ascii);
        ascii = true;
        this.lineStarts.push(i + 1);
      } else if (c >= 0x80) ascii = false;
    }
    this.ascii.push(ascii);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line index of an offset. */
  private index(offset: number): number {
    const starts = this.lineStarts;
    let i = this.lastLine;
    // Nodes are mostly visited in order: try the cached line and its neighbour first.
    if ((starts[i] ?? 0) <= offset) {
      const next = starts[i + 1];
      if (next === undefined || offset < next) return i;
      const next2 = starts[i + 2];
      if (next2 === undefined || offset < next2) return (this.lastLine = i + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    i = lo;
    this.lastLine = i;
    return i;
  }

  /** 1-based line of an offset. */
  line(offset: number): number {
    return this.index(offset) + 1;
  }

  /** Offset where a 1-based line starts. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))] ?? 0;
  }

  /** CPython's col_offset: UTF-8 bytes from the start of the offset's line. */
  byteCol(offset: number): number {
    const i = this.index(offset);
    const start = this.lineStarts[i] ?? 0;
    if (this.ascii[i] === true) return offset - start;
    let bytes = 0;
    const text = this.text;
    for (let k = start; k < offset; k++) {
      const c = text.charCodeAt(k);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && k + 1 < offset) {
        bytes += 4;
        k++;
      } else bytes += 3;
    }
    return bytes;
  }

  /** 0-based character (code point) column of an offset. */
  charCol(offset: number): number {
    const i = this.index(offset);
    const start = this.lineStarts[i] ?? 0;
    if (this.ascii[i] === true) return offset - start;
    let n = 0;
    for (let k = start; k < offset; k++) {
      const c = this.text.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdbff && k + 1 < offset) k++;
      n++;
    }
    return n;
  }

  /** The offset of a 1-based line and 0-based character column. */
  offsetOf(line: number, charCol: number): number {
    let k = this.lineStart(line);
    for (let n = 0; n < charCol && k < this.text.length; n++) {
      const c = this.text.charCodeAt(k);
      k += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return k;
  }
}
