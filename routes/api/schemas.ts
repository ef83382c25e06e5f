/**
 * Response schemas of the query API, for the OpenAPI document and typed
 * handlers. Shapes are documented in `docs/api.md`.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";

const attributes = z.record(z.string(), z.string());

const red = {
  spanCount: z.number().int(),
  errorCount: z.number().int(),
  errorRate: z.number(),
  p50Ns: z.number().int(),
  p95Ns: z.number().int(),
  p99Ns: z.number().int(),
};

/** `GET /services`. */
export const ServicesSchema = z.object({
  from: z.string(),
  to: z.string(),
  services: z.array(z.object({
    name: z.string(),
    ...red,
    operations: z.number().int(),
    lastSeen: z.string().nullable(),
  })),
  truncated: z.boolean(),
}).openapi("Services");

/** `GET /services/{service}/operations`. */
export const OperationsSchema = z.object({
  service: z.string(),
  operations: z.array(z.object({ name: z.string(), spanKind: z.string(), ...red })),
  truncated: z.boolean(),
}).openapi("Operations");

/** One log record. */
export const LogSchema = z.object({
  time: z.string().openapi({ example: "2026-11-25T13:59:58.123456789Z" }),
  traceId: z.string(),
  spanId: z.string(),
  traceFlags: z.number().int(),
  severityText: z.string(),
  severityNumber: z.number().int(),
  service: z.string(),
  body: z.string(),
  eventName: z.string(),
  scope: z.object({ name: z.string(), version: z.string() }),
  resource: attributes,
  attributes,
}).openapi("LogRecord");

/** `GET /logs`. */
export const LogsSchema = z.object({
  logs: z.array(LogSchema),
  nextCursor: z.string().nullable(),
}).openapi("Logs");

/** `GET /traces`. */
export const TracesSchema = z.object({
  traces: z.array(z.object({
    traceId: z.string(),
    rootService: z.string(),
    rootSpan: z.string(),
    start: z.string(),
    durationNs: z.number().int(),
    spanCount: z.number().int(),
    errorCount: z.number().int(),
    services: z.array(z.string()),
  })),
  nextCursor: z.string().nullable(),
}).openapi("Traces");

/** `GET /traces/{traceId}`. */
export const TraceSchema = z.object({
  traceId: z.string(),
  start: z.string(),
  durationNs: z.number().int(),
  spans: z.array(z.object({
    spanId: z.string(),
    parentSpanId: z.string(),
    traceState: z.string(),
    name: z.string(),
    kind: z.string(),
    service: z.string(),
    start: z.string(),
    durationNs: z.number().int(),
    statusCode: z.string(),
    statusMessage: z.string(),
    scope: z.object({ name: z.string(), version: z.string() }),
    resource: attributes,
    attributes,
    events: z.array(z.object({ time: z.string(), name: z.string(), attributes })),
    links: z.array(
      z.object({ traceId: z.string(), spanId: z.string(), traceState: z.string(), attributes }),
    ),
  })),
  logs: z.array(LogSchema).optional(),
  truncated: z.boolean(),
}).openapi("Trace");

/** `GET /metrics`. */
export const MetricsSchema = z.object({
  metrics: z.array(z.object({
    name: z.string(),
    type: z.enum(["gauge", "sum", "histogram"]),
    unit: z.string(),
    description: z.string(),
    services: z.array(z.string()),
  })),
  truncated: z.boolean(),
}).openapi("Metrics");

/** `GET /metrics/query`. */
export const MetricSeriesSchema = z.object({
  name: z.string(),
  type: z.enum(["gauge", "sum", "histogram"]).nullable(),
  unit: z.string(),
  agg: z.string(),
  step: z.number().int(),
  source: z.enum(["rollup", "raw"]),
  from: z.string(),
  to: z.string(),
  series: z.array(z.object({ labels: z.record(z.string(), z.string()) })),
  data: z.array(z.array(z.number().nullable())).openapi({
    description: "uPlot columns: data[0] bucket starts (epoch s), data[i+1] values of series[i]",
    example: [[1764079200, 1764079260], [12.5, null]],
  }),
  truncated: z.boolean(),
}).openapi("MetricSeries");

const errorGroupFields = {
  fingerprint: z.string().openapi({ example: "3f2a9c0d1b7e4a55" }),
  type: z.string().openapi({ example: "TypeError" }),
  message: z.string().openapi({ example: "Cannot read properties of undefined (reading 'id')" }),
  count: z.number().int(),
  spanCount: z.number().int(),
  logCount: z.number().int(),
  services: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  firstSeenEver: z.string(),
  sample: z.object({ traceId: z.string(), spanId: z.string() }),
};

/** `GET /errors`. */
export const ErrorGroupsSchema = z.object({
  from: z.string(),
  to: z.string(),
  step: z.number().int().openapi({ description: "Seconds per sparkline bucket" }),
  buckets: z.array(z.number().int()).openapi({
    description: "Bucket starts (epoch s) shared by every group's sparkline",
  }),
  groups: z.array(z.object({ ...errorGroupFields, sparkline: z.array(z.number().int()) })),
  nextCursor: z.string().nullable(),
}).openapi("ErrorGroups");

/** `GET /errors/{fingerprint}`. */
export const ErrorGroupSchema = z.object({
  from: z.string(),
  to: z.string(),
  step: z.number().int(),
  ...errorGroupFields,
  series: z.array(z.array(z.number())).openapi({
    description: "uPlot columns: bucket starts (epoch s), occurrences per bucket",
  }),
  byService: z.array(z.object({ service: z.string(), count: z.number().int() })),
  exception: z.object({ type: z.string(), message: z.string(), stacktrace: z.string() })
    .nullable(),
  occurrences: z.array(z.object({
    time: z.string(),
    source: z.enum(["span", "log"]),
    service: z.string(),
    traceId: z.string(),
    spanId: z.string(),
    name: z.string(),
    message: z.string(),
  })),
}).openapi("ErrorGroup");

/** `GET /service-map`. */
export const ServiceMapSchema = z.object({
  from: z.string(),
  to: z.string(),
  nodes: z.array(z.object({
    name: z.string(),
    external: z.boolean(),
    callsIn: z.number().int(),
    callsOut: z.number().int(),
    errorsIn: z.number().int(),
  })),
  edges: z.array(z.object({
    source: z.string().openapi({ example: "frontend" }),
    target: z.string().openapi({ example: "checkout" }),
    external: z.boolean().openapi({
      description: "The target is an uninstrumented peer named by the client span",
    }),
    calls: z.number().int(),
    errors: z.number().int(),
    errorRate: z.number(),
    p50Ns: z.number().int(),
    p95Ns: z.number().int(),
    sampleTraceId: z.string(),
  })),
  truncated: z.boolean(),
}).openapi("ServiceMap");

/** One silence. */
export const SilenceSchema = z.object({
  id: z.string(),
  matchers: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  comment: z.string(),
  source: z.enum(["file", "api"]),
}).openapi("Silence");

const alertState = z.enum(["ok", "pending", "firing", "resolved"]);

/** `GET /alerts`. */
export const AlertsSchema = z.object({
  enabled: z.boolean(),
  file: z.string().optional(),
  loadedAt: z.string().optional(),
  reloadError: z.string().nullable().optional(),
  shard: z.string().optional(),
  rules: z.array(z.object({
    name: z.string(),
    kind: z.string(),
    description: z.string().nullable(),
    comparison: z.string(),
    threshold: z.number(),
    intervalSeconds: z.number(),
    forSeconds: z.number(),
    noData: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    receivers: z.array(z.string()),
    owned: z.boolean(),
    state: alertState,
    lastEvaluation: z.object({
      at: z.string(),
      durationMs: z.number(),
      error: z.string().nullable(),
    }).nullable(),
    groups: z.array(z.object({
      labels: z.record(z.string(), z.string()),
      state: alertState,
      value: z.number().nullable(),
      activeAt: z.string().nullable(),
      firedAt: z.string().nullable(),
      resolvedAt: z.string().nullable(),
      silenced: z.boolean(),
    })),
  })),
  silences: z.array(SilenceSchema),
  stats: z.object({
    evaluations: z.number().int(),
    skipped: z.number().int(),
    notificationsSent: z.number().int(),
    notificationsFailed: z.number().int(),
  }).optional(),
}).openapi("Alerts");

/** `GET /alerts/history`. */
export const AlertHistorySchema = z.object({
  transitions: z.array(z.object({
    at: z.string(),
    rule: z.string(),
    key: z.string(),
    labels: z.record(z.string(), z.string()),
    from: alertState,
    to: alertState,
    value: z.number().nullable(),
  })),
}).openapi("AlertHistory");
