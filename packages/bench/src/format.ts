/*
 * The plain-text table `pnpm bench` prints: aligned columns, numbers right-aligned,
 * then the notes of the measurements that have one.
 */
import type { Measurement } from './benchmark.js';

const COLUMNS = ['benchmark', 'unit', 'pymemsim', 'reference', 'ref. kind', 'ratio'] as const;
const NUMERIC = new Set<string>(['pymemsim', 'reference', 'ratio']);

/** 1234567.8 -> "1,234,568"; 12.345 -> "12.3"; 0.04567 -> "0.0457". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(3)));
}

export function formatTable(measurements: readonly Measurement[]): string {
  const rows = measurements.map((m) => [
    m.name,
    m.unit,
    formatNumber(m.value),
    formatNumber(m.reference),
    m.referenceKind,
    formatNumber(m.ratio) + (m.target === undefined ? '' : ` (target ${formatNumber(m.target)})`),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (NUMERIC.has(COLUMNS[i] ?? '') ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = measurements.filter((m) => m.note !== undefined).map((m) => `  ${m.name}: ${m.note}`);
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  return out.join('\n');
}
