/**
 * Data for benchmarks that read a large `otel_traces`: `query_bench.ts` generates it into a data
 * directory (spans only, no projection), so every such benchmark measures the same realistic rows.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";

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

/**
 * The embedded engine over query_bench data: at `path` when given (a directory `query_bench.ts
 * --path` kept), else over `spans` freshly generated spans in a temporary directory (returned as
 * `path`, for the caller to remove). Exits with code 2 and a message when `path` is not such a
 * directory.
 */
export async function openQueryBenchData(
  path: string | undefined,
  spans: number,
  prefix: string,
): Promise<{ store: ChdbStore; path: string }> {
  if (path === undefined) {
    path = await Deno.makeTempDir({ prefix });
    await generateQueryBenchSpans(path, spans);
  } else if (!(await Deno.stat(path).catch(() => null))?.isDirectory) {
    console.error(
      `--path ${path}: not a directory (a query_bench.ts --path directory is expected)`,
    );
    Deno.exit(2);
  }
  const store = await ChdbStore.open({ path, database: "bench" });
  const [kept] = await store.query<{ n: string }>(
    "SELECT toString(count()) AS n FROM system.tables WHERE database = 'bench' AND name = 'otel_traces'",
  );
  if (Number(kept.n) === 0) {
    await store.close();
    console.error(`--path ${path}: holds no query_bench.ts data (bench.otel_traces)`);
    Deno.exit(2);
  }
  return { store, path };
}
