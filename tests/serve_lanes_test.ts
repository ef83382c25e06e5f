/**
 * Isolation as a user configures it: `main.ts serve` with the ClickHouse endpoint's time bound,
 * and the engine's lanes on the OTLP port's `/metrics`.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PASSWORD = "lanes-" + crypto.randomUUID();
/** A scan that runs for minutes unless a budget stops it. */
const HEAVY = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1";

async function startServe(data: string, extra: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", MAIN, "serve", "--port", "0", "--otlp-port", "0"],
      ...["--otlp-grpc-port", "off", ...extra],
    ],
    env: { TRACEHOUSE_DATA: data, TRACEHOUSE_CLICKHOUSE_HTTP_PASSWORD: PASSWORD },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const urls: Record<string, string> = {};
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!("clickhouse-http" in urls)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`serve ended early:\n${buffered}`);
    buffered += value;
    for (const match of buffered.matchAll(/tracehouse: ([\w-]+) listening on (\S+)/g)) {
      urls[match[1]] = match[2];
    }
  }
  lines.releaseLock();
  return { child, urls };
}

Deno.test("serve: the endpoint's time bound stops a heavy statement; /metrics shows the lanes", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-lanes-" });
  const { child, urls } = await startServe(data, [
    "--clickhouse-http",
    "127.0.0.1:0",
    "--clickhouse-http-max-execution-seconds",
    "1",
  ]);
  try {
    const started = performance.now();
    // The request asks for 30 s; the server's bound of 1 s wins.
    const res = await fetch(
      `${urls["clickhouse-http"]}/?max_execution_time=30&query=${encodeURIComponent(HEAVY)}`,
      { headers: { "x-clickhouse-user": "default", "x-clickhouse-key": PASSWORD } },
    );
    const body = await res.text();
    const seconds = (performance.now() - started) / 1000;
    assert.notEqual(res.status, 200, body);
    assert.match(body, /TIMEOUT_EXCEEDED|Timeout exceeded/);
    assert.ok(seconds < 10, `stopped by the 1 s bound, not by the request's 30 s (${seconds} s)`);

    const metrics = await (await fetch(`${urls.otlp}/metrics`)).text();
    assert.match(metrics, /# TYPE tracehouse_engine_lane_queued gauge\n/);
    const busy = Number(
      metrics.match(/tracehouse_engine_lane_busy_seconds_total\{lane="endpoint"\} ([\d.]+)/)?.[1],
    );
    assert.ok(busy >= 0.9, `the endpoint lane held the engine about 1 s:\n${metrics}`);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stderr.cancel();
    await child.stdout.cancel().catch(() => {});
    assert.equal(status.code, 0);
  }
});
