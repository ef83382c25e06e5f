/**
 * Interop: the official OpenTelemetry Python SDK (`opentelemetry-sdk` +
 * `opentelemetry-exporter-otlp-proto-http` / `-proto-grpc`, pinned in `requirements.txt`) sends
 * traces, metrics with exemplars and logs to Tracehouse over OTLP/HTTP (to `main.ts serve`) and
 * over OTLP/gRPC (grpcio, an independent HTTP/2 implementation, against `otlp/grpc.ts`); the rows
 * are read back column by column. Skipped with a message when `python3` is missing, except
 * under CI (`CI` set), where it fails.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../../sql/chdb.ts";
import { migrate } from "../../sql/migrate.ts";
import { serveOtlpGrpc } from "../../otlp/grpc.ts";
import { OtlpIngest } from "../../otlp/ingest.ts";
import { ensureVenv, pythonAvailable } from "./python_venv.ts";
import { startTracehouse, withStore } from "./server.ts";

const available = await pythonAvailable();
if (!available) {
  if (Deno.env.get("CI")) {
    throw new Error("python3 with venv/pip is required for the Python interop test under CI");
  }
  console.warn("otlp_python_sdk_test: python3 (with venv) not found, skipping the Python interop");
}

type Row = Record<string, unknown>;

interface Sent {
  traceId: string;
  spanId: string;
  linkedSpanId: string;
}

async function sendWithPython(endpoint: string, mode: "http" | "grpc"): Promise<Sent> {
  const python = await ensureVenv();
  const out = await new Deno.Command(python, {
    args: [new URL("./otlp_python_sender.py", import.meta.url).pathname, endpoint, mode],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

async function checkRows(store: ChdbStore, service: string, sent: Sent): Promise<void> {
  const params = { s: service };
  const spans = await store.query(
    "SELECT * FROM otel_traces WHERE ServiceName = {s:String} ORDER BY Timestamp",
    { params },
  );
  assert.equal(spans.length, 2);
  const span = spans.find((s) => s.SpanId === sent.spanId)!;
  assert.equal(span.TraceId, sent.traceId);
  assert.equal(span.ParentSpanId, "");
  assert.equal(span.SpanName, "POST /pay");
  assert.equal(span.SpanKind, "Server");
  assert.equal(span.ScopeName, "py-tracer");
  assert.equal(span.ScopeVersion, "3.2.1");
  assert.equal(span.StatusCode, "Error");
  assert.equal(span.StatusMessage, "payment failed");
  assert.ok(Number(span.Duration) > 0);
  const attrs = span.SpanAttributes as Record<string, string>;
  assert.equal(attrs["http.route"], "/pay");
  assert.equal(attrs["http.response.status_code"], "503");
  assert.equal(attrs["py.ratio"], "0.5");
  assert.equal(attrs["py.flag"], "false");
  assert.equal(attrs["py.list"], "[1,2]");
  assert.match(attrs["error.fingerprint"], /^[0-9a-f]{16}$/);
  const resource = span.ResourceAttributes as Record<string, string>;
  assert.equal(resource["service.name"], service);
  assert.equal(resource["host.cpus"], "2");
  assert.equal(resource["telemetry.sdk.language"], "python");
  assert.deepEqual(span["Events.Name"], ["py.event", "exception"]);
  const [event, exception] = span["Events.Attributes"] as Record<string, string>[];
  assert.deepEqual(event, { k: "v" });
  assert.equal(exception["exception.type"], "ValueError");
  assert.equal(exception["exception.message"], "bad amount 12");
  assert.match(exception["exception.stacktrace"], /Traceback/);
  assert.deepEqual(span["Links.TraceId"], [
    spans.find((s) => s.SpanName === "linked")!.TraceId,
  ]);
  assert.deepEqual(span["Links.SpanId"], [sent.linkedSpanId]);
  assert.deepEqual(span["Links.Attributes"], [{ "link.n": "1" }]);

  const logs = await store.query(
    "SELECT * FROM otel_logs WHERE ServiceName = {s:String} ORDER BY SeverityNumber DESC",
    { params },
  );
  assert.equal(logs.length, 2);
  const [error, info] = logs;
  assert.equal(error.Body, "card declined");
  assert.equal(error.SeverityText, "ERROR");
  assert.equal(error.SeverityNumber, 17);
  assert.equal(error.TraceId, sent.traceId);
  assert.equal(error.SpanId, sent.spanId);
  assert.equal((error.TraceFlags as number) & 1, 1, "sampled flag");
  assert.equal(error.ScopeName, "py-logger");
  const logAttrs = error.LogAttributes as Record<string, string>;
  assert.equal(logAttrs["order.id"], "7");
  assert.match(logAttrs["error.fingerprint"], /^[0-9a-f]{16}$/);
  assert.equal(info.Body, "service started");
  assert.equal(info.TraceId, "");

  const metric = async (table: string, name: string): Promise<Row> => {
    const rows = await store.query(
      `SELECT * FROM ${table} WHERE MetricName = {n:String} AND ServiceName = {s:String}`,
      { params: { n: name, ...params } },
    );
    assert.equal(rows.length, 1, `${table} ${name}`);
    assert.equal(rows[0].ServiceName, service);
    assert.equal(rows[0].ScopeName, "py-meter");
    assert.equal(rows[0].ScopeVersion, "6.5.4");
    return rows[0];
  };
  const exemplarOf = (row: Row) => ({
    traceIds: row["Exemplars.TraceId"],
    spanIds: row["Exemplars.SpanId"],
  });
  const requests = await metric("otel_metrics_sum", "py.requests");
  assert.equal(requests.Value, 4);
  assert.equal(requests.IsMonotonic, true);
  assert.equal(requests.AggregationTemporality, 2);
  assert.equal(requests.MetricDescription, "requests");
  assert.deepEqual(requests.Attributes, { route: "/pay" });
  assert.deepEqual(exemplarOf(requests), { traceIds: [sent.traceId], spanIds: [sent.spanId] });
  assert.deepEqual(requests["Exemplars.Value"], [4]);
  const inflight = await metric("otel_metrics_sum", "py.inflight");
  assert.equal(inflight.Value, -3);
  assert.equal(inflight.IsMonotonic, false);
  const latency = await metric("otel_metrics_histogram", "py.latency");
  assert.equal(latency.Count, "1");
  assert.equal(latency.Sum, 12.5);
  assert.equal(latency.Min, 12.5);
  assert.equal(latency.Max, 12.5);
  assert.equal(latency.MetricUnit, "ms");
  assert.deepEqual(latency["Exemplars.Value"], [12.5]);
  assert.deepEqual(exemplarOf(latency), { traceIds: [sent.traceId], spanIds: [sent.spanId] });
  const exp = await metric("otel_metrics_exponential_histogram", "py.exp");
  assert.equal(exp.Count, "3");
  assert.equal(exp.Sum, 7);
  assert.equal(
    (exp.PositiveBucketCounts as string[]).reduce((n, c) => n + Number(c), 0),
    3,
  );
  assert.deepEqual(exp["Exemplars.Value"], [1, 2, 4]);
  const temperature = await metric("otel_metrics_gauge", "py.temperature");
  assert.equal(temperature.Value, 19.5);
  assert.deepEqual(temperature.Attributes, { room: "b" });
  assert.deepEqual(temperature["Exemplars.Value"], [19.5]);
  const queue = await metric("otel_metrics_gauge", "py.queue");
  assert.equal(queue.Value, 3);
  assert.deepEqual(queue["Exemplars.Value"], []);
}

Deno.test({
  name: "OpenTelemetry Python SDK (OTLP/HTTP protobuf) → main.ts serve → every mapped column",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureVenv();
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-interop-py-" });
    const server = await startTracehouse(dataDir);
    let sent: Sent;
    try {
      sent = await sendWithPython(server.otlpUrl, "http");
    } finally {
      await server.stop();
    }
    await withStore(dataDir, (store) => checkRows(store, "py-sdk", sent));
  },
});

Deno.test({
  name: "OpenTelemetry Python SDK (OTLP/gRPC, grpcio) → otlp/grpc.ts → every mapped column",
  ignore: !available,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureVenv();
    const store = await ChdbStore.open({
      path: await Deno.makeTempDir({ prefix: "tracehouse-interop-grpc-" }),
    });
    const ingest = new OtlpIngest(store, { maxDelayMs: 20 });
    try {
      await migrate(store, {
        database: "default",
        retentionDays: { traces: 7, logs: 7, metrics: 7 },
      });
      const server = await serveOtlpGrpc(ingest, { port: 0 });
      try {
        const sent = await sendWithPython(`http://127.0.0.1:${server.port}`, "grpc");
        await ingest.close();
        await checkRows(store, "py-grpc", sent);
      } finally {
        await server.shutdown();
      }
    } finally {
      await ingest.close();
      await store.close();
    }
  },
});
