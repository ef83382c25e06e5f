/**
 * Test support for `collector/testdata/redaction_vectors.json`: OTLP/JSON requests that carry
 * every vector where it says (resource, span attribute, status message, event attribute, log
 * attribute or body, data point attribute), and the values read back from the stored rows. The
 * same requests go through Tracehouse's own ingest (`otlp/redaction_test.ts`) and through the
 * built collector into the engine (`tests/collector_redaction_test.ts`).
 *
 * @module
 */
import data from "../collector/testdata/redaction_vectors.json" with { type: "json" };

/** One vector. */
export interface RedactionVector {
  name: string;
  where: "resource" | "span" | "span.status" | "span.event" | "log" | "log.body" | "datapoint";
  key?: string;
  input: string;
  /** `null`: the attribute is deleted. */
  expected: string | null;
}

/** The vectors. */
export const VECTORS: RedactionVector[] = data.vectors as RedactionVector[];

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function resource(v: RedactionVector, i: number) {
  const attributes = [str("service.name", "redaction"), str("vector.id", `v${i}`)];
  if (v.where === "resource") attributes.push(str(v.key!, v.input));
  return { attributes };
}

function hex(i: number, bytes: number): string {
  return (i + 1).toString(16).padStart(bytes * 2, "0");
}

/** OTLP/JSON export requests for the three signals, timestamps at `nowNs`. */
export function vectorRequests(
  nowNs: bigint,
): { traces: unknown; logs: unknown; metrics: unknown } {
  const t = String(nowNs);
  const resourceSpans = [], resourceLogs = [], resourceMetrics = [];
  for (const [i, v] of VECTORS.entries()) {
    if (["resource", "span", "span.status", "span.event"].includes(v.where)) {
      resourceSpans.push({
        resource: resource(v, i),
        scopeSpans: [{
          scope: { name: "redaction" },
          spans: [{
            traceId: hex(i, 16),
            spanId: hex(i, 8),
            name: `v${i}`,
            kind: 2,
            startTimeUnixNano: t,
            endTimeUnixNano: t,
            attributes: [
              str("vector.id", `v${i}`),
              ...v.where === "span" ? [str(v.key!, v.input)] : [],
            ],
            events: v.where === "span.event"
              ? [{ timeUnixNano: t, name: "exception", attributes: [str(v.key!, v.input)] }]
              : [],
            status: v.where === "span.status" ? { code: 2, message: v.input } : {},
          }],
        }],
      });
    }
    if (["resource", "log", "log.body"].includes(v.where)) {
      resourceLogs.push({
        resource: resource(v, i),
        scopeLogs: [{
          scope: { name: "redaction" },
          logRecords: [{
            timeUnixNano: t,
            observedTimeUnixNano: t,
            severityNumber: 9,
            severityText: "INFO",
            body: { stringValue: v.where === "log.body" ? v.input : `v${i}` },
            attributes: [
              str("vector.id", `v${i}`),
              ...v.where === "log" ? [str(v.key!, v.input)] : [],
            ],
          }],
        }],
      });
    }
    if (["resource", "datapoint"].includes(v.where)) {
      resourceMetrics.push({
        resource: resource(v, i),
        scopeMetrics: [{
          scope: { name: "redaction" },
          metrics: [{
            name: `redaction.v${i}`,
            gauge: {
              dataPoints: [{
                timeUnixNano: t,
                asDouble: 1,
                attributes: [
                  str("vector.id", `v${i}`),
                  ...v.where === "datapoint" ? [str(v.key!, v.input)] : [],
                ],
              }],
            },
          }],
        }],
      });
    }
  }
  return { traces: { resourceSpans }, logs: { resourceLogs }, metrics: { resourceMetrics } };
}

/** A stored row; map columns as objects or as `[key, value]` pairs. */
export type Row = Record<string, unknown>;

function map(value: unknown): Record<string, string> {
  return Array.isArray(value) ? Object.fromEntries(value) : value as Record<string, string>;
}

function get(m: unknown, key: string): string | null {
  return map(m)[key] ?? null;
}

/** One comparison: what a vector expects and what a table holds. */
export interface Outcome {
  name: string;
  signal: "traces" | "logs" | "metrics";
  expected: string | null;
  actual: string | null | undefined;
}

/**
 * What each vector became in `rows` (rows of `otel_traces`, `otel_logs`, `otel_metrics_gauge`):
 * one outcome per vector and signal it was sent on (`actual` undefined: the row is missing).
 */
export function vectorOutcomes(rows: { traces: Row[]; logs: Row[]; metrics: Row[] }): Outcome[] {
  const out: Outcome[] = [];
  for (const [i, v] of VECTORS.entries()) {
    const id = `v${i}`;
    const span = rows.traces.find((r) => r.SpanName === id);
    const log = rows.logs.find((r) => get(r.LogAttributes, "vector.id") === id);
    const point = rows.metrics.find((r) => r.MetricName === `redaction.${id}`);
    const push = (signal: Outcome["signal"], row: Row | undefined, read: (r: Row) => unknown) =>
      out.push({
        name: v.name,
        signal,
        expected: v.expected,
        actual: row === undefined ? undefined : read(row) as string | null,
      });
    switch (v.where) {
      case "resource":
        push("traces", span, (r) => get(r.ResourceAttributes, v.key!));
        push("logs", log, (r) => get(r.ResourceAttributes, v.key!));
        push("metrics", point, (r) => get(r.ResourceAttributes, v.key!));
        break;
      case "span":
        push("traces", span, (r) => get(r.SpanAttributes, v.key!));
        break;
      case "span.status":
        push("traces", span, (r) => r.StatusMessage);
        break;
      case "span.event":
        push("traces", span, (r) => get((r["Events.Attributes"] as unknown[])[0], v.key!));
        break;
      case "log":
        push("logs", log, (r) => get(r.LogAttributes, v.key!));
        break;
      case "log.body":
        push("logs", log, (r) => r.Body);
        break;
      case "datapoint":
        push("metrics", point, (r) => get(r.Attributes, v.key!));
        break;
    }
  }
  return out;
}
