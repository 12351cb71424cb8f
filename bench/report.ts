/** The one table `npm run bench` prints: each measure beside its baseline, the ratio, and its target. */

export interface Row {
  readonly measure: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: string;
}

/** A section heading spanning the table. */
export interface Heading {
  readonly heading: string;
}

export type TableLine = Row | Heading;

const COLUMNS = ['measure', 'value', 'baseline', 'ratio', 'target', 'verdict'] as const;
const TITLES: Record<(typeof COLUMNS)[number], string> = {
  measure: 'Measure',
  value: 'This project',
  baseline: 'Baseline',
  ratio: 'Ratio',
  target: 'Target',
  verdict: 'Verdict',
};

/** A fixed-width text table; headings become full-width separator lines. */
export function renderTable(lines: readonly TableLine[]): string {
  const rows = lines.filter((line): line is Row => !('heading' in line));
  const widths = COLUMNS.map((column) =>
    Math.max(TITLES[column].length, ...rows.map((row) => row[column].length)),
  );
  const total = widths.reduce((sum, width) => sum + width, 0) + 3 * (COLUMNS.length - 1);
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join(' | ')
      .trimEnd();
  const out = [format(COLUMNS.map((column) => TITLES[column])), '-'.repeat(total)];
  for (const line of lines) {
    if ('heading' in line) out.push(`== ${line.heading} `.padEnd(total, '='));
    else out.push(format(COLUMNS.map((column) => line[column])));
  }
  return out.join('\n');
}

/** A number with thousands separators and `digits` decimals. */
export function num(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Calls per role: enough significant digits to compare against 0.01. */
export function perRole(value: number): string {
  return value >= 1 ? num(value, 2) : value.toPrecision(2);
}

/** `1.5 s` or `850 ms`. */
export function duration(ms: number): string {
  return ms >= 1000 ? `${num(ms / 1000, 1)} s` : `${num(ms, ms < 10 ? 1 : 0)} ms`;
}

/** Kilobytes (1 KB = 1,024 bytes, as the targets are written). */
export function kb(bytes: number): string {
  return `${num(bytes / 1024, 0)} KB`;
}

/** Megabytes (MiB). */
export function mb(bytes: number): string {
  return `${num(bytes / (1024 * 1024), 0)} MB`;
}

/** `12× fewer`, `0.4× as many`: how `baseline` compares with `value` for costs (lower is better). */
export function costRatio(value: number, baseline: number, unit = 'fewer'): string {
  if (value === 0) return 'n/a';
  const ratio = baseline / value;
  return ratio >= 1 ? `${num(ratio, ratio >= 100 ? 0 : 1)}× ${unit}` : `${num(1 / ratio, 2)}× more`;
}

/** `value / baseline` as a multiple. */
export function multiple(value: number, baseline: number): string {
  return baseline === 0 ? 'n/a' : `${num(value / baseline, 2)}×`;
}

/** `met`, or `missed by N (P%)` for an upper bound. */
export function atMost(value: number, limit: number, show: (n: number) => string): string {
  return value <= limit
    ? 'met'
    : `missed by ${show(value - limit)} (+${num(((value - limit) / limit) * 100, 0)}%)`;
}

/** `met`, or `missed by N (P%)` for a lower bound. */
export function atLeast(value: number, limit: number, show: (n: number) => string): string {
  return value >= limit
    ? 'met'
    : `missed by ${show(limit - value)} (-${num(((limit - value) / limit) * 100, 0)}%)`;
}
