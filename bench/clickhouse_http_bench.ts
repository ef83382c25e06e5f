/**
 * ClickHouse HTTP endpoint benchmark: what the engine-parser allow-list costs
 * per request. Against one endpoint process (Tracehouse's tables migrated), in
 * the same run and taking turns:
 *
 * - `/ping`: the HTTP round trip alone (baseline, no engine call);
 * - a read whose verdict is cached (clients repeat their statements), and the
 *   same read with a new text each time (parse with `formatQuerySingleLine`,
 *   `EXPLAIN AST`, allow-list walk, then the query);
 * - a 10,000-row Native insert, statement cached and new each time (the new
 *   one also asks the engine for the column list and the round-trip check).
 *
 *   deno run -A bench/clickhouse_http_bench.ts [--requests 200] [--rounds 3]
 *
 * @module
 */
import { startEndpointProcess } from "../clickhouse_http/test_server.ts";
import { encodeNative } from "../sql/native/mod.ts";
import { LOGS_COLUMNS } from "../sql/schema.ts";
import { benchArgs, counts } from "./cli.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = benchArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
  },
});
const { requests, rounds } = counts(values, ["requests", "rounds"]);

const password = crypto.randomUUID();
const endpoint = await startEndpointProcess({ password, migrate: true });
const auth = { Authorization: `Basic ${btoa(`default:${password}`)}` };
const columns = LOGS_COLUMNS.filter((c) => ["Timestamp", "ServiceName", "Body"].includes(c.name));
const t0 = BigInt(Date.now()) * 1_000_000n;
const block = encodeNative(
  Array.from({ length: 10_000 }, (_, i) => ({
    Timestamp: t0 + BigInt(i),
    ServiceName: `svc-${i % 7}`,
    Body: `request ${i} served`,
  })),
  columns,
) as Uint8Array<ArrayBuffer>;
const insert = `INSERT INTO otel_logs (${columns.map((c) => c.name).join(", ")}) FORMAT Native`;

async function call(path: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(`${endpoint.url}${path}`, { ...init, headers: auth });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
}

const query = (sql: string) => `/?${new URLSearchParams({ query: sql })}`;
let unique = 0;
const cases: Record<string, { n: number; run: () => Promise<void> }> = {
  "ping (HTTP only)": { n: requests, run: () => call("/ping") },
  "read, verdict cached": {
    n: requests,
    run: () => call(query("SELECT count() FROM otel_logs WHERE ServiceName = 'svc-1'")),
  },
  "read, new text": {
    n: requests,
    run: () => call(query(`SELECT count() FROM otel_logs WHERE ServiceName = 'svc-${++unique}'`)),
  },
  "insert 10k rows, cached": {
    n: Math.max(10, requests / 10),
    run: () => call(query(insert), { method: "POST", body: block }),
  },
  "insert 10k rows, new text": {
    n: Math.max(10, requests / 10),
    run: () => call(query(`/* ${++unique} */ ${insert}`), { method: "POST", body: block }),
  },
};

const medians: Record<string, number[]> = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, { n, run }] of Object.entries(cases)) {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        await run();
        samples.push(performance.now() - start);
      }
      (medians[name] ??= []).push(percentile(samples, 50));
    }
  }
} finally {
  await endpoint.close();
}

const median = (xs: number[]) => percentile(xs, 50);
const base = median(medians["read, verdict cached"]);
console.log(
  `clickhouse_http_bench: ${fmt(requests)} requests per read case, ${rounds} rounds ` +
    `(median of round medians, range); the machine may be shared, compare ratios`,
);
for (const [name, xs] of Object.entries(medians)) {
  const sorted = [...xs].sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(28)} ${median(xs).toFixed(2).padStart(7)} ms ` +
      `(${sorted[0].toFixed(2)}–${sorted.at(-1)!.toFixed(2)})  ` +
      `${(median(xs) / base).toFixed(2)}× cached read`,
  );
}
