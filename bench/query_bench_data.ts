/**
 * Data for benchmarks that read a large `otel_traces`: `query_bench.ts` generates it into a data
 * directory (spans only, no projection), so every such benchmark measures the same realistic rows.
 *
 * @module
 */

/** Runs `query_bench.ts` to generate `spans` spans into the embedded engine at `path`. */
export async function generateQueryBenchSpans(path: string, spans: number): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./query_bench.ts", import.meta.url).pathname,
      "--path",
      path,
      "--only",
      "(none: generate only)",
      "--no-projection",
    ],
    env: { QUERY_BENCH_SPANS: String(spans), QUERY_BENCH_LOGS: "1000", QUERY_BENCH_SERIES: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("query_bench.ts could not generate the spans");
}
