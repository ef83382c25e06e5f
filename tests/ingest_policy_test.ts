/**
 * Attribute limits, redaction and durable inserts as an operator turns them on: `main.ts serve`
 * in a child process with the flags and variables, an OTLP/HTTP export, then the stored rows and
 * the tables' settings read from the data directory once the server has stopped.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function serve(data: string, args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--port", "0", "--otlp-port", "0", ...args],
    env: { TRACEHOUSE_DATA: data, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let otlp: string | undefined;
  while (!otlp) {
    const { value, done } = await lines.read();
    if (done) break;
    buffered += value;
    otlp = /tracehouse: otlp listening on (\S+)/.exec(buffered)?.[1];
  }
  lines.releaseLock();
  return { child, otlp, output: () => buffered };
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

Deno.test("serve: attribute limits, redaction and durable inserts from flags and variables", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-policy-" });
  const { child, otlp } = await serve(
    data,
    ["--attribute-value-length-limit", "20", "--redact", "on", "--otlp-grpc-port", "off"],
    { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "3", TRACEHOUSE_DURABLE_INSERTS: "on" },
  );
  let metrics = "";
  try {
    assert.ok(otlp, "the OTLP receiver announced its address");
    const body = {
      resourceSpans: [{
        resource: { attributes: [str("service.name", "policy")] },
        scopeSpans: [{
          spans: [{
            traceId: "5b8efff798038103d269b633813fc60c",
            spanId: "0000000000000001",
            name: "GET /",
            startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
            attributes: [
              str("url.query", "password=hunter2"),
              str("long", "0123456789abcdefghijklmnop"),
              str("user.password", "x"),
              str("a", "1"),
              str("b", "2"),
              str("c", "3"),
            ],
          }],
        }],
      }],
    };
    const res = await fetch(`${otlp}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
    metrics = await (await fetch(`${otlp}/metrics`)).text();
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
  assert.match(metrics, /tracehouse_otlp_attributes_dropped_total 2\n/);
  assert.match(metrics, /tracehouse_otlp_attribute_values_truncated_total 1\n/);

  const store = await ChdbStore.open({ path: data });
  try {
    const [row] = await store.query<{ attributes: Record<string, string> }>(
      "SELECT SpanAttributes AS attributes FROM otel_traces WHERE ServiceName = 'policy'",
    );
    // Redaction first (user.password deleted, the query string rewritten), then the limits:
    // 3 of the 5 attributes left kept, values cut to 20 characters.
    assert.deepEqual(row.attributes, {
      "url.query": "password=[REDACTED]",
      "long": "0123456789abcdefghij",
      "a": "1",
      "otel.dropped_attributes_count": "2",
    });
    const settings = await store.query<{ name: string; q: string }>(
      "SELECT name, create_table_query AS q FROM system.tables WHERE database = 'default' " +
        "AND name IN ('otel_traces', 'otel_logs')",
    );
    assert.equal(settings.length, 2);
    for (const s of settings) assert.match(s.q, /fsync_after_insert = 1, fsync_part_directory = 1/);
  } finally {
    await store.close();
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("serve: bad limit values are refused with a message naming the setting", async () => {
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "serve", ...args],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  };
  const flag = await run(["--attribute-count-limit=-1"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Invalid --attribute-count-limit "-1": expected a whole number/);
  const env = await run([], { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "lots" });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /Invalid OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT "lots"/);
  const redact = await run(["--redact", "maybe"]);
  assert.equal(redact.code, 2);
  assert.match(redact.stderr, /Invalid --redact "maybe": expected on or off/);
});
