/**
 * The priority of the embedded engine's background merges against its statements.
 *
 * Merges run beside the statements on their own threads. On a small machine the merges that a
 * stream of inserts starts compete with the statements for the cores: measured on 2 cores (`bench/insert_cost_bench.ts`, docs/query-optimization.md), one
 * `otel_traces` insert took 2.4–4.4× longer with merges running than without, and a dashboard
 * query waited for the CPU the same way. Running merge threads at a higher nice value gives
 * statements the cores first; merges still get every idle cycle and a share under contention
 * (at nice 10 a merge thread weighs about a tenth of a statement thread).
 *
 * @module
 */

/** The default nice value (0–19) of the engine's merge threads; 0 is ClickHouse's own. */
export const MERGE_THREADS_NICE = 10;

/**
 * `value` when it is a nice value a thread may take without privilege (a whole number, 0–19);
 * otherwise a `RangeError` naming `what`.
 */
export function checkedNice(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 19) {
    throw new RangeError(`Invalid ${what}: ${value} (expected a whole number from 0 to 19)`);
  }
  return value;
}
