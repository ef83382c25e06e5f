import assert from "node:assert/strict";
import { parse } from "yaml";
import { type Row, vectorOutcomes, vectorRequests } from "../tests/redaction_vectors.ts";
import { encodeLogs, encodeMetrics, encodeTraces } from "../testing/otlp_encode.ts";
import { OtlpIngest } from "./ingest.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./json.ts";
import { RecordingStore } from "../testing/recording_store.ts";
import { redactAttributes, redactStatement, redactText } from "./redaction.ts";
import { ottlStatements, REDACT_CONTEXTS } from "./redaction_ottl.ts";

async function ingestVectors(encoding: "protobuf" | "json", redact: boolean) {
  const store = new RecordingStore();
  const ingest = new OtlpIngest(store, { maxDelayMs: 1 }, { redact });
  const requests = vectorRequests(BigInt(Date.now()) * 1_000_000n);
  const body = (json: unknown, encode: (text: string) => Uint8Array) =>
    encoding === "json"
      ? new TextEncoder().encode(JSON.stringify(json))
      : encode(JSON.stringify(json));
  await ingest.export(
    "traces",
    body(requests.traces, (t) => encodeTraces(decodeTracesJson(t))),
    encoding,
  );
  await ingest.export("logs", body(requests.logs, (t) => encodeLogs(decodeLogsJson(t))), encoding);
  await ingest.export(
    "metrics",
    body(requests.metrics, (t) => encodeMetrics(decodeMetricsJson(t))),
    encoding,
  );
  await ingest.close();
  const rows = (table: string) =>
    store.inserts.filter((i) => i.table === table).flatMap((i) => i.rows) as Row[];
  return vectorOutcomes({
    traces: rows("otel_traces"),
    logs: rows("otel_logs"),
    metrics: rows("otel_metrics_gauge"),
  });
}

for (const encoding of ["protobuf", "json"] as const) {
  Deno.test(`shared vectors (collector/testdata/redaction_vectors.json), ${encoding}`, async (t) => {
    const outcomes = await ingestVectors(encoding, true);
    assert.ok(outcomes.length >= 30);
    for (const o of outcomes) {
      await t.step(`${o.name} (${o.signal})`, () => assert.equal(o.actual, o.expected));
    }
  });
}

Deno.test("redaction is off by default: values are stored as sent", async () => {
  const outcomes = await ingestVectors("protobuf", false);
  const changed = outcomes.filter((o) => o.expected !== o.actual);
  // Every vector that expects a change sees the input instead.
  assert.ok(changed.length > 20);
  for (const o of outcomes) assert.notEqual(o.actual, undefined, o.name);
});

Deno.test("collector/config.yaml runs exactly the rules of redaction.ts, on every pipeline", async () => {
  const config = parse(
    await Deno.readTextFile(new URL("../collector/config.yaml", import.meta.url)),
  );
  const processor = config.processors["transform/redact"];
  for (const [group, contexts] of Object.entries(REDACT_CONTEXTS)) {
    const got = processor[group] as { context: string; statements: string[] }[];
    assert.deepEqual(got.map((g) => g.context), [...contexts], group);
    for (const { context, statements } of got) {
      // The config file doubles `$` for its own ${env:…} expansion.
      const expected = ottlStatements(context as typeof contexts[number]);
      assert.deepEqual(statements, expected, `${group} / ${context}`);
    }
  }
  for (const pipeline of ["traces", "logs", "metrics"]) {
    const processors = config.service.pipelines[pipeline].processors as string[];
    assert.equal(processors.at(-1), "transform/redact", pipeline);
  }
});

Deno.test("redactText / redactStatement / redactAttributes", () => {
  assert.equal(redactText("nothing to see"), "nothing to see");
  assert.equal(redactText("digest   abc=="), "digest [REDACTED]");
  assert.equal(redactText("api-key: 'xyz' next"), "api-key: '[REDACTED]' next");
  assert.equal(redactStatement("SELECT 1 FROM t9 WHERE a = 'b'"), "SELECT ? FROM t9 WHERE a = ?");
  const clean: [string, string][] = [["a", "b"], ["db.statement", "SELECT 1"]];
  assert.equal(redactAttributes(clean), clean, "unchanged attributes are returned as they are");
  assert.deepEqual(redactAttributes(clean, true), [["a", "b"], ["db.statement", "SELECT ?"]]);
  assert.deepEqual(redactAttributes([["x.secret", "s"], ["k", 5]]), [["k", 5]]);
});

Deno.test("error.fingerprint is computed before redaction, as the collector orders them", async () => {
  const span = (message: string) => ({
    resourceSpans: [{
      scopeSpans: [{
        spans: [{
          traceId: "5b8efff798038103d269b633813fc60c",
          spanId: "0000000000000001",
          name: "login",
          events: [{
            name: "exception",
            attributes: [
              { key: "exception.type", value: { stringValue: "AuthError" } },
              { key: "exception.message", value: { stringValue: message } },
            ],
          }],
        }],
      }],
    }],
  });
  const stored = async (redact: boolean) => {
    const store = new RecordingStore();
    const ingest = new OtlpIngest(store, { maxDelayMs: 1 }, { redact });
    const body = new TextEncoder().encode(JSON.stringify(span("rejected Bearer sekrit")));
    await ingest.export("traces", body, "json");
    await ingest.close();
    const row = store.inserts[0].rows[0];
    return {
      attributes: Object.fromEntries(row.SpanAttributes as [string, string][]),
      event: Object.fromEntries((row["Events.Attributes"] as [string, string][][])[0]),
    };
  };
  const plain = await stored(false);
  const redacted = await stored(true);
  assert.equal(redacted.event["exception.message"], "rejected Bearer [REDACTED]");
  assert.equal(plain.event["exception.message"], "rejected Bearer sekrit");
  assert.ok(plain.attributes["error.fingerprint"]);
  assert.equal(redacted.attributes["error.fingerprint"], plain.attributes["error.fingerprint"]);
});
