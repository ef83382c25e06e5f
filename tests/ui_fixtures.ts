/**
 * Generated, recent telemetry for the dashboard tests and screenshots: a
 * small shop (frontend → checkout → payments/inventory/email) with nested
 * spans, errors with exception events, a span link, logs tied to spans, and
 * gauge, counter and histogram metrics every 10 s. Deterministic (seeded).
 *
 * @module
 */
import {
  LOGS_COLUMNS,
  METRICS_GAUGE_COLUMNS,
  METRICS_HISTOGRAM_COLUMNS,
  METRICS_SUM_COLUMNS,
  TRACES_COLUMNS,
} from "../sql/schema.ts";
import type { Store } from "../sql/store.ts";

/** What the seeded data holds, for assertions. */
export interface UiData {
  traceIds: string[];
  /** A trace with an error span, logs and a link. */
  errorTraceId: string;
  spans: number;
  logs: number;
  services: string[];
}

const MS = 1_000_000n;
const SERVICES = ["frontend", "checkout", "payments", "inventory", "email"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = "";
  while (out.length < digits) out += Math.floor(random() * 0x10000).toString(16).padStart(4, "0");
  return out.slice(0, digits);
}

/** Options of {@linkcode seedUiData}. */
export interface SeedOptions {
  /** Number of traces. Default 240. */
  traces?: number;
  /** End of the data, epoch ms. Default now. */
  now?: number;
  /** Spread of the data before `now`, minutes. Default 50. */
  minutes?: number;
  /** Also write metrics. Default true. */
  metrics?: boolean;
  /** Seed of the generator: different seeds give different trace ids. Default 42. */
  seed?: number;
}

/** Inserts the generated data into a migrated store. */
export async function seedUiData(store: Store, options: SeedOptions = {}): Promise<UiData> {
  const random = rng(options.seed ?? 42);
  const now = options.now ?? Date.now();
  const count = options.traces ?? 240;
  const spread = (options.minutes ?? 50) * 60_000;
  const spans: Record<string, unknown>[] = [];
  const logs: Record<string, unknown>[] = [];
  const traceIds: string[] = [];
  let errorTraceId = "";
  const base = (svc: string) => ({
    TraceState: "",
    ScopeName: "@tracehouse/sdk",
    ScopeVersion: "0.1.0",
    ResourceAttributes: {
      "service.name": svc,
      "service.version": "1.4.2",
      "deployment.environment.name": "prod",
      "host.name": `${svc}-7d9f-${svc.length}`,
    },
    "Events.Timestamp": [] as bigint[],
    "Events.Name": [] as string[],
    "Events.Attributes": [] as Record<string, string>[],
    "Links.TraceId": [] as string[],
    "Links.SpanId": [] as string[],
    "Links.TraceState": [] as string[],
    "Links.Attributes": [] as Record<string, string>[],
  });
  const log = (
    t: bigint,
    svc: string,
    sev: number,
    text: string,
    body: string,
    traceId = "",
    spanId = "",
    attrs: Record<string, string> = {},
  ) =>
    logs.push({
      Timestamp: t,
      TraceId: traceId,
      SpanId: spanId,
      TraceFlags: traceId ? 1 : 0,
      SeverityText: text,
      SeverityNumber: sev,
      ServiceName: svc,
      Body: body,
      ResourceSchemaUrl: "",
      ResourceAttributes: { "service.name": svc, "deployment.environment.name": "prod" },
      ScopeSchemaUrl: "",
      ScopeName: "app",
      ScopeVersion: "",
      ScopeAttributes: {},
      LogAttributes: attrs,
      EventName: "",
    });

  let previousTrace = "";
  let previousRoot = "";
  for (let i = 0; i < count; i++) {
    const traceId = hex(random, 32);
    traceIds.push(traceId);
    const t0 = BigInt(now - Math.floor(((i + random()) / count) * spread)) * MS;
    const checkout = random() < 0.55;
    const failed = checkout && (i % 9 === 3);
    if (failed && !errorTraceId) errorTraceId = traceId;
    const rootId = hex(random, 16);
    const route = checkout ? "/checkout" : `/product/${1 + Math.floor(random() * 40)}`;
    const order = String(1000 + i);
    const rootDur = BigInt(Math.floor((checkout ? 60 : 8) + random() * (checkout ? 240 : 40))) *
      MS;
    const push = (o: Record<string, unknown>) =>
      spans.push({ ...base(o.ServiceName as string), ...o });
    push({
      Timestamp: t0,
      TraceId: traceId,
      SpanId: rootId,
      ParentSpanId: "",
      SpanName: checkout ? "POST /checkout" : "GET /product/:id",
      SpanKind: "Server",
      ServiceName: "frontend",
      SpanAttributes: {
        "http.request.method": checkout ? "POST" : "GET",
        "http.route": checkout ? "/checkout" : "/product/:id",
        "url.path": route,
        "http.response.status_code": failed ? "502" : "200",
      },
      Duration: rootDur,
      StatusCode: failed ? "Error" : "Unset",
      StatusMessage: failed ? "upstream checkout failed" : "",
      ...(previousTrace && i % 17 === 0
        ? {
          "Links.TraceId": [previousTrace],
          "Links.SpanId": [previousRoot],
          "Links.TraceState": [""],
          "Links.Attributes": [{ "link.reason": "retry of a previous request" }],
        }
        : {}),
    });
    log(
      t0 + 1n * MS,
      "frontend",
      9,
      "INFO",
      `${checkout ? "POST" : "GET"} ${route} received`,
      traceId,
      rootId,
      {
        "url.path": route,
      },
    );
    if (!checkout) {
      const id = hex(random, 16);
      const d = rootDur / 2n;
      push({
        Timestamp: t0 + 2n * MS,
        TraceId: traceId,
        SpanId: id,
        ParentSpanId: rootId,
        SpanName: "SELECT products",
        SpanKind: "Client",
        ServiceName: "inventory",
        SpanAttributes: { "db.system.name": "postgresql", "db.operation.name": "SELECT" },
        Duration: d,
        StatusCode: "Unset",
        StatusMessage: "",
      });
    } else {
      const coId = hex(random, 16);
      const coStart = t0 + 3n * MS;
      const coDur = rootDur - 6n * MS;
      push({
        Timestamp: coStart,
        TraceId: traceId,
        SpanId: coId,
        ParentSpanId: rootId,
        SpanName: "POST /orders",
        SpanKind: "Server",
        ServiceName: "checkout",
        SpanAttributes: {
          "http.request.method": "POST",
          "http.route": "/orders",
          "order.id": order,
        },
        Duration: coDur,
        StatusCode: failed ? "Error" : "Unset",
        StatusMessage: failed ? "payment failed" : "",
      });
      log(coStart + 1n * MS, "checkout", 9, "INFO", `creating order ${order}`, traceId, coId, {
        "order.id": order,
      });
      const invId = hex(random, 16);
      const invDur = coDur / 5n;
      push({
        Timestamp: coStart + 2n * MS,
        TraceId: traceId,
        SpanId: invId,
        ParentSpanId: coId,
        SpanName: "reserve stock",
        SpanKind: "Client",
        ServiceName: "inventory",
        SpanAttributes: { "order.id": order, "items": String(1 + (i % 4)) },
        Duration: invDur,
        StatusCode: "Unset",
        StatusMessage: "",
      });
      const payId = hex(random, 16);
      const payStart = coStart + 4n * MS + invDur;
      const payDur = coDur / 2n;
      const chargeId = hex(random, 16);
      push({
        Timestamp: payStart,
        TraceId: traceId,
        SpanId: payId,
        ParentSpanId: coId,
        SpanName: "POST /charge",
        SpanKind: "Server",
        ServiceName: "payments",
        SpanAttributes: {
          "http.route": "/charge",
          "payment.provider": "stripe",
          "order.id": order,
        },
        Duration: payDur,
        StatusCode: failed ? "Error" : "Ok",
        StatusMessage: failed ? "card declined" : "",
        ...(failed
          ? {
            "Events.Timestamp": [payStart + payDur - 2n * MS],
            "Events.Name": ["exception"],
            "Events.Attributes": [{
              "exception.type": "CardDeclinedError",
              "exception.message": "card declined: insufficient funds",
            }],
          }
          : {}),
      });
      push({
        Timestamp: payStart + 1n * MS,
        TraceId: traceId,
        SpanId: chargeId,
        ParentSpanId: payId,
        SpanName: "stripe.charges.create",
        SpanKind: "Client",
        ServiceName: "payments",
        SpanAttributes: { "server.address": "api.stripe.com", "http.request.method": "POST" },
        Duration: payDur - 4n * MS,
        StatusCode: failed ? "Error" : "Unset",
        StatusMessage: failed ? "402 Payment Required" : "",
      });
      if (failed) {
        log(
          payStart + payDur - 2n * MS,
          "payments",
          17,
          "ERROR",
          `card declined for order ${order}: insufficient funds`,
          traceId,
          payId,
          {
            "order.id": order,
            "error.type": "CardDeclinedError",
          },
        );
        log(
          coStart + coDur - 1n * MS,
          "checkout",
          13,
          "WARN",
          `order ${order} not placed: payment failed`,
          traceId,
          coId,
          {
            "order.id": order,
          },
        );
      } else {
        const mailId = hex(random, 16);
        push({
          Timestamp: payStart + payDur + 1n * MS,
          TraceId: traceId,
          SpanId: mailId,
          ParentSpanId: coId,
          SpanName: "send confirmation",
          SpanKind: "Producer",
          ServiceName: "email",
          SpanAttributes: { "messaging.system": "kafka", "order.id": order },
          Duration: coDur / 8n,
          StatusCode: "Unset",
          StatusMessage: "",
        });
        log(
          payStart + payDur + 2n * MS,
          "email",
          5,
          "DEBUG",
          `queued confirmation mail for order ${order}`,
          traceId,
          mailId,
          {
            "order.id": order,
          },
        );
      }
    }
    previousTrace = traceId;
    previousRoot = rootId;
  }
  // Logs outside traces: health checks and a cache warning now and then.
  for (let i = 0; i < count; i++) {
    const t = BigInt(now - Math.floor(((i + 0.5) / count) * spread)) * MS;
    if (i % 6 === 0) {
      log(t, "inventory", 13, "WARN", `cache miss ratio high: ${(30 + (i % 20)).toString()}%`);
    } else log(t, SERVICES[i % SERVICES.length], 5, "DEBUG", "health check ok");
  }
  await store.insert("otel_traces", spans, { columns: TRACES_COLUMNS });
  await store.insert("otel_logs", logs, { columns: LOGS_COLUMNS });
  if (options.metrics !== false) await seedMetrics(store, now, options.minutes ?? 50);
  return { traceIds, errorTraceId, spans: spans.length, logs: logs.length, services: SERVICES };
}

async function seedMetrics(store: Store, now: number, minutes: number): Promise<void> {
  const gauge: Record<string, unknown>[] = [];
  const sum: Record<string, unknown>[] = [];
  const histogram: Record<string, unknown>[] = [];
  const end = Math.floor(now / 10_000) * 10;
  const start = end - minutes * 60;
  const common = (svc: string, t: number) => ({
    ResourceAttributes: { "service.name": svc },
    ResourceSchemaUrl: "",
    ScopeName: "@tracehouse/sdk",
    ScopeVersion: "0.1.0",
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: "",
    ServiceName: svc,
    StartTimeUnix: start,
    TimeUnix: t,
    Flags: 0,
    "Exemplars.FilteredAttributes": [],
    "Exemplars.TimeUnix": [],
    "Exemplars.Value": [],
    "Exemplars.SpanId": [],
    "Exemplars.TraceId": [],
  });
  SERVICES.forEach((svc, k) => {
    let total = 0;
    for (let t = start, n = 0; t <= end; t += 10, n++) {
      const wave = Math.sin((n / 30) + k) * 0.5 + 0.5;
      gauge.push({
        ...common(svc, t),
        MetricName: "process.cpu.utilization",
        MetricDescription: "CPU time used, as a fraction",
        MetricUnit: "1",
        Attributes: { "cpu.mode": "user" },
        Value: 0.1 + 0.6 * wave * (k + 1) / SERVICES.length,
      });
      for (const method of ["GET", "POST"]) {
        total += Math.round((method === "GET" ? 30 : 12) * (0.6 + wave));
        sum.push({
          ...common(svc, t),
          MetricName: "http.server.request.count",
          MetricDescription: "Requests served",
          MetricUnit: "{request}",
          Attributes: { "http.request.method": method },
          Value: total,
          AggregationTemporality: 2,
          IsMonotonic: true,
        });
      }
      const slow = 1 + wave * (k + 1);
      histogram.push({
        ...common(svc, t),
        MetricName: "http.server.request.duration",
        MetricDescription: "Duration of HTTP server requests",
        MetricUnit: "ms",
        Attributes: { "http.request.method": "GET" },
        Count: 100,
        Sum: 100 * 20 * slow,
        BucketCounts: [10, 30, Math.round(25 * slow), 20, 6 + Math.round(3 * slow), 3, 1],
        ExplicitBounds: [5, 10, 25, 50, 100, 250],
        Min: 1,
        Max: 80 * slow,
        AggregationTemporality: 1,
      });
    }
  });
  await store.insert("otel_metrics_gauge", gauge, { columns: METRICS_GAUGE_COLUMNS });
  await store.insert("otel_metrics_sum", sum, { columns: METRICS_SUM_COLUMNS });
  await store.insert("otel_metrics_histogram", histogram, { columns: METRICS_HISTOGRAM_COLUMNS });
}
