/**
 * An in-process OTLP/HTTP receiver for tests: it accepts `http/json` exports on
 * `/v1/traces`, `/v1/metrics` and `/v1/logs` and flattens them into plain objects. Protobuf
 * requests are counted but not decoded. Built on `node:http`, so it runs on Deno, Node and Bun.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An attribute map with OTLP `AnyValue`s turned into plain values. */
export type FlatAttributes = Record<string, unknown>;

/** One received span. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: FlatAttributes;
  status: { code: number; message?: string };
  events: { name: string; attributes: FlatAttributes }[];
  resource: FlatAttributes;
  scope: string;
}

/** One received metric data point. */
export interface ReceivedMetric {
  name: string;
  unit: string;
  kind: "sum" | "gauge" | "histogram" | "other";
  attributes: FlatAttributes;
  /** Sum/gauge value, or histogram count. */
  value: number;
  resource: FlatAttributes;
}

/** One received log record. */
export interface ReceivedLog {
  body: unknown;
  severityText: string;
  severityNumber: number;
  traceId: string;
  spanId: string;
  attributes: FlatAttributes;
  resource: FlatAttributes;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL to use as the OTLP endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  readonly logs: ReceivedLog[];
  /** Every request as `[path, content-type]`. */
  readonly requests: [string, string][];
  /** Resolves when `predicate` holds (polled every 20 ms); rejects after `timeoutMillis`. */
  waitFor(predicate: () => boolean, timeoutMillis?: number): Promise<void>;
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
};
type KeyValue = { key: string; value?: AnyValue };
type Json = Record<string, unknown>;

/**
 * Starts a receiver on `127.0.0.1` and a free port.
 *
 * @example
 * ```ts
 * import { startOtlpReceiver } from "./otlp_receiver.ts";
 * const receiver = await startOtlpReceiver();
 * console.log(receiver.url.startsWith("http://127.0.0.1:"));
 * await receiver.close();
 * ```
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const logs: ReceivedLog[] = [];
  const requests: [string, string][] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", () => {
      const type = String(req.headers["content-type"] ?? "");
      requests.push([req.url ?? "", type]);
      if (type.includes("json")) {
        try {
          const body = JSON.parse(new TextDecoder().decode(concat(chunks))) as Json;
          if (req.url === "/v1/traces") spans.push(...flattenSpans(body));
          if (req.url === "/v1/metrics") metrics.push(...flattenMetrics(body));
          if (req.url === "/v1/logs") logs.push(...flattenLogs(body));
        } catch {
          res.writeHead(400).end();
          return;
        }
      }
      res.writeHead(200, { "content-type": type.includes("json") ? type : "application/json" });
      res.end(type.includes("json") ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    logs,
    requests,
    async waitFor(predicate, timeoutMillis = 5_000) {
      const deadline = Date.now() + timeoutMillis;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMillis} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return undefined;
}

function attrs(list: KeyValue[] | undefined): FlatAttributes {
  const out: FlatAttributes = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

function list(obj: unknown, key: string): Json[] {
  const v = (obj as Json | undefined)?.[key];
  return Array.isArray(v) ? v as Json[] : [];
}

function resourceOf(r: Json): FlatAttributes {
  return attrs((r.resource as { attributes?: KeyValue[] } | undefined)?.attributes);
}

function flattenSpans(body: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of list(body, "resourceSpans")) {
    for (const ss of list(rs, "scopeSpans")) {
      for (const s of list(ss, "spans")) {
        out.push({
          name: String(s.name),
          traceId: String(s.traceId ?? ""),
          spanId: String(s.spanId ?? ""),
          parentSpanId: String(s.parentSpanId ?? ""),
          kind: Number(s.kind ?? 0),
          attributes: attrs(s.attributes as KeyValue[]),
          status: { code: 0, ...(s.status as Json | undefined) } as ReceivedSpan["status"],
          events: list(s, "events").map((e) => ({
            name: String(e.name),
            attributes: attrs(e.attributes as KeyValue[]),
          })),
          resource: resourceOf(rs),
          scope: String((ss.scope as Json | undefined)?.name ?? ""),
        });
      }
    }
  }
  return out;
}

function flattenMetrics(body: Json): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of list(body, "resourceMetrics")) {
    for (const sm of list(rm, "scopeMetrics")) {
      for (const m of list(sm, "metrics")) {
        const kind = m.sum ? "sum" : m.gauge ? "gauge" : m.histogram ? "histogram" : "other";
        const data = (m.sum ?? m.gauge ?? m.histogram) as Json | undefined;
        for (const p of list(data, "dataPoints")) {
          out.push({
            name: String(m.name),
            unit: String(m.unit ?? ""),
            kind,
            attributes: attrs(p.attributes as KeyValue[]),
            value: Number(kind === "histogram" ? p.count : p.asDouble ?? p.asInt ?? 0),
            resource: resourceOf(rm),
          });
        }
      }
    }
  }
  return out;
}

function flattenLogs(body: Json): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  for (const rl of list(body, "resourceLogs")) {
    for (const sl of list(rl, "scopeLogs")) {
      for (const l of list(sl, "logRecords")) {
        out.push({
          body: value(l.body as AnyValue),
          severityText: String(l.severityText ?? ""),
          severityNumber: Number(l.severityNumber ?? 0),
          traceId: String(l.traceId ?? ""),
          spanId: String(l.spanId ?? ""),
          attributes: attrs(l.attributes as KeyValue[]),
          resource: resourceOf(rl),
        });
      }
    }
  }
  return out;
}
