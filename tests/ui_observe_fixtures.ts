/**
 * Generated telemetry for the errors, service-map and alerts pages: a shop where `web` calls
 * `api`, `api` calls `payments` and `inventory`, `payments` calls an uninstrumented `stripe` and
 * `inventory` a PostgreSQL database, with client and server spans for every call, exceptions
 * with stack traces (fingerprinted by the ingest code, `otlp/error_fingerprint.ts`) and error
 * logs. Deterministic; times end at `now`.
 *
 * @module
 */
import { errorFingerprint } from "../otlp/error_fingerprint.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../sql/schema.ts";
import type { Store } from "../sql/store.ts";

const MS = 1_000_000n;

/** The errors thrown, with the stack each one carries. */
const ERRORS = [
  {
    service: "payments",
    type: "CardDeclinedError",
    message: (i: number) => `card declined for order ${1000 + i}`,
    stack: (i: number) =>
      `CardDeclinedError: card declined for order ${
        1000 + i
      }\n    at charge (/srv/payments/src/charge.ts:41:11)\n    at handler (/srv/payments/src/routes.ts:18:5)`,
    every: 7,
  },
  {
    service: "inventory",
    type: "TimeoutError",
    message: () => "query timed out after 2000 ms",
    stack: () =>
      "TimeoutError: query timed out after 2000 ms\n    at reserve (/srv/inventory/src/stock.ts:77:9)\n    at handler (/srv/inventory/src/routes.ts:30:3)",
    every: 23,
  },
  {
    service: "api",
    type: "TypeError",
    message: () => "Cannot read properties of undefined (reading 'sku')",
    stack: () =>
      "TypeError: Cannot read properties of undefined (reading 'sku')\n    at toLine (/srv/api/src/cart.ts:12:20)\n    at checkout (/srv/api/src/checkout.ts:55:14)",
    every: 41,
  },
];

/** What the seeded data holds. */
export interface ObserveData {
  calls: number;
  fingerprints: string[];
}

/** Inserts `calls` requests spread over the last `minutes` before `now`. */
export async function seedObserveData(
  store: Store,
  options: { now?: number; calls?: number; minutes?: number } = {},
): Promise<ObserveData> {
  const now = options.now ?? Date.now();
  const calls = options.calls ?? 300;
  const spread = (options.minutes ?? 50) * 60_000;
  const spans: Record<string, unknown>[] = [];
  const logs: Record<string, unknown>[] = [];
  const fingerprints = new Set<string>();
  let id = 0;
  const nextId = () => (++id).toString(16).padStart(16, "0");
  const span = (o: Record<string, unknown>) =>
    spans.push({
      TraceState: "",
      ScopeName: "@opentelemetry/instrumentation-http",
      ScopeVersion: "0.200.0",
      ResourceAttributes: { "service.name": o.ServiceName as string },
      SpanAttributes: {},
      StatusCode: "Unset",
      StatusMessage: "",
      "Events.Timestamp": [],
      "Events.Name": [],
      "Events.Attributes": [],
      "Links.TraceId": [],
      "Links.SpanId": [],
      "Links.TraceState": [],
      "Links.Attributes": [],
      ...o,
    });
  for (let i = 0; i < calls; i++) {
    const traceId = (0xabc000 + i).toString(16).padStart(32, "0");
    const t0 = BigInt(now - Math.floor((i / calls) * spread) - 1000) * MS;
    const failure = ERRORS.find((e) => i % e.every === 3);
    /** A call from `from` to `to`: a client span, and a server span unless `to` is external. */
    const call = (
      from: string,
      to: string,
      parent: string,
      at: bigint,
      duration: bigint,
      attrs: Record<string, string>,
      internal: boolean,
    ): string => {
      const clientId = nextId();
      const failed = failure?.service === to;
      span({
        Timestamp: at,
        TraceId: traceId,
        SpanId: clientId,
        ParentSpanId: parent,
        SpanName: internal ? `POST /${to}` : attrs["db.system.name"] ? "SELECT stock" : "POST",
        SpanKind: "Client",
        ServiceName: from,
        SpanAttributes: attrs,
        Duration: duration,
        StatusCode: failed ? "Error" : "Unset",
      });
      if (!internal) return clientId;
      const serverId = nextId();
      const attributes: Record<string, string> = { "http.route": `/${to}` };
      const events: Record<string, unknown> = {};
      if (failed && failure) {
        const input = {
          type: failure.type,
          message: failure.message(i),
          stacktrace: failure.stack(i),
        };
        const fp = errorFingerprint(input)!.fingerprint;
        fingerprints.add(fp);
        attributes["error.fingerprint"] = fp;
        events["Events.Timestamp"] = [at + duration - 2n * MS];
        events["Events.Name"] = ["exception"];
        events["Events.Attributes"] = [{
          "exception.type": input.type,
          "exception.message": input.message,
          "exception.stacktrace": input.stacktrace,
        }];
        logs.push({
          Timestamp: at + duration - 1n * MS,
          TraceId: traceId,
          SpanId: serverId,
          TraceFlags: 1,
          SeverityText: "ERROR",
          SeverityNumber: 17,
          ServiceName: to,
          Body: `${input.type}: ${input.message}`,
          ResourceSchemaUrl: "",
          ResourceAttributes: { "service.name": to },
          ScopeSchemaUrl: "",
          ScopeName: "app",
          ScopeVersion: "",
          ScopeAttributes: {},
          LogAttributes: { "error.fingerprint": fp, "exception.type": input.type },
          EventName: "",
        });
      }
      span({
        Timestamp: at + 1n * MS,
        TraceId: traceId,
        SpanId: serverId,
        ParentSpanId: clientId,
        SpanName: `POST /${to}`,
        SpanKind: "Server",
        ServiceName: to,
        SpanAttributes: attributes,
        Duration: duration - 2n * MS,
        StatusCode: failed ? "Error" : "Unset",
        StatusMessage: failed && failure ? failure.message(i) : "",
        ...events,
      });
      return serverId;
    };
    const root = nextId();
    const total = BigInt(80 + (i * 37) % 200) * MS;
    span({
      Timestamp: t0,
      TraceId: traceId,
      SpanId: root,
      ParentSpanId: "",
      SpanName: "GET /checkout",
      SpanKind: "Server",
      ServiceName: "web",
      SpanAttributes: { "http.route": "/checkout" },
      Duration: total,
    });
    const api = call("web", "api", root, t0 + 2n * MS, total - 4n * MS, {
      "server.address": "api",
    }, true);
    const pay = call("api", "payments", api, t0 + 6n * MS, total / 2n, {
      "server.address": "payments",
    }, true);
    call("payments", "stripe", pay, t0 + 9n * MS, total / 3n, { "peer.service": "stripe" }, false);
    const inv = call("api", "inventory", api, t0 + 8n * MS + total / 2n, total / 4n, {
      "server.address": "inventory",
    }, true);
    call("inventory", "postgresql", inv, t0 + 10n * MS + total / 2n, total / 8n, {
      "db.system.name": "postgresql",
    }, false);
  }
  await store.insert("otel_traces", spans, { columns: TRACES_COLUMNS });
  await store.insert("otel_logs", logs, { columns: LOGS_COLUMNS });
  return { calls, fingerprints: [...fingerprints] };
}
