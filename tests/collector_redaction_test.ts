/**
 * The shared redaction vectors (collector/testdata/redaction_vectors.json) through the real
 * collector: OTLP/JSON with every vector in place (resource, span and event attributes, status
 * messages, log attributes and bodies, metric data points) → our collector distribution with
 * collector/config.yaml (`transform/redact` on all three pipelines) → the `clickhouseexporter` →
 * Tracehouse's ClickHouse-compatible endpoint → the rows read back and held to the vectors that
 * Tracehouse's own ingest passes too (otlp/redaction_test.ts).
 */
import assert from "node:assert/strict";
import { requireTool } from "../collector/test_support.ts";
import { query, startCollectorStack, waitFor } from "./collector_stack.ts";
import { type Row, vectorOutcomes, vectorRequests } from "./redaction_vectors.ts";

const hasGo = await requireTool("go", ["version"]);

Deno.test({
  name: "redaction vectors through the built collector (transform/redact on every pipeline)",
  ignore: !hasGo,
  sanitizeResources: false,
  async fn(t) {
    // Keep every trace: the vectors are not errors or slow spans.
    const stack = await startCollectorStack({ TAIL_SAMPLING_PERCENT: "100" });
    const { endpoint, procs } = stack;
    try {
      const requests = vectorRequests(BigInt(Date.now()) * 1_000_000n);
      for (const signal of ["traces", "logs", "metrics"] as const) {
        const res = await fetch(`${stack.otlpHttp}/v1/${signal}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(requests[signal]),
        });
        assert.equal(res.status, 200, `${signal}: ${await res.text()}`);
      }
      const expected = vectorOutcomes({
        traces: [],
        logs: [],
        metrics: [],
      }).length;
      const read = async () => ({
        traces: await query<Row>(
          endpoint,
          "SELECT SpanName, ResourceAttributes, SpanAttributes, StatusMessage, " +
            "`Events.Attributes` FROM otel_traces WHERE ServiceName = 'redaction'",
        ),
        logs: await query<Row>(
          endpoint,
          "SELECT ResourceAttributes, LogAttributes, Body FROM otel_logs " +
            "WHERE ServiceName = 'redaction'",
        ),
        metrics: await query<Row>(
          endpoint,
          "SELECT MetricName, ResourceAttributes, Attributes FROM otel_metrics_gauge " +
            "WHERE ServiceName = 'redaction'",
        ),
      });
      const outcomes = await waitFor("every vector's row", async () => {
        const o = vectorOutcomes(await read());
        return o.length === expected && o.every((x) => x.actual !== undefined) ? o : undefined;
      }, { procs, timeoutMs: 60_000 });
      for (const o of outcomes) {
        await t.step(`${o.name} (${o.signal})`, () => assert.equal(o.actual, o.expected));
      }
    } catch (error) {
      for (const p of procs) console.error(`--- ${p.name} ---\n${p.output().slice(-4000)}`);
      throw error;
    } finally {
      await stack.stop();
    }
  },
});
