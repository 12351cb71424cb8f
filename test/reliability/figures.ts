/**
 * Counts what the reliability suites did (faults injected, requests, verdicts compared, inputs tried), so
 * docs/reliability.md can state measured figures. Written only when RELIABILITY_FIGURES_DIR is set:
 * `RELIABILITY_FIGURES_DIR=/tmp/figures npx jest test/reliability`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Figures of one suite: name -> count. */
export class Figures {
  private readonly counts = new Map<string, number>();

  constructor(private readonly suite: string) {}

  /** Adds `amount` to `name`. */
  add(name: string, amount = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + amount);
  }

  /** Raises `name` to `value` if it is larger. */
  max(name: string, value: number): void {
    this.counts.set(name, Math.max(this.counts.get(name) ?? 0, value));
  }

  /** Current value of `name` (0 when never added). */
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** Writes `<suite>.json` into RELIABILITY_FIGURES_DIR, if set; call from afterAll. */
  write(): void {
    const dir = process.env['RELIABILITY_FIGURES_DIR'];
    if (dir === undefined || dir === '') return;
    mkdirSync(dir, { recursive: true });
    const sorted = Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(join(dir, `${this.suite}.json`), `${JSON.stringify(sorted, null, 2)}\n`);
  }
}
