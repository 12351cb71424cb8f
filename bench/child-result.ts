/** What bench/sweep-child.ts reports to its parent; kept apart so the child loads nothing else of ours. */

/** The line the parent looks for on stdout (the handler logs its own JSON lines too). */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** One child run: its peak RSS and, for a sweep, how long the handler took and what it put. */
export interface ChildResult {
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  readonly wallMs: number;
  readonly evaluations: number;
}
