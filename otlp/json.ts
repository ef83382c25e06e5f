/**
 * Decodes OTLP/HTTP JSON bodies into the model of `model.ts`, following the OTLP JSON rules:
 * ids as hex strings, enums as integers (names accepted too), 64-bit integers as strings or
 * numbers, bytes as base64, lowerCamelCase field names (the proto's snake_case accepted too),
 * unknown fields ignored.
 *
 * @module
 */
import type {
  AnyValue,
  Exemplar,
  ExpBuckets,
  ExpHistogramPoint,
  HistogramPoint,
  KeyValue,
  LogRecord,
  LogsRequest,
  Metric,
  MetricsRequest,
  NumberPoint,
  ResourceGroup,
  Scope,
  Span,
  SummaryPoint,
  TracesRequest,
} from "./model.ts";
import { KvList } from "./model.ts";

type Json = Record<string, unknown>;

const MAX_VALUE_DEPTH = 32;

function fail(message: string): never {
  throw new SyntaxError(`Cannot decode OTLP JSON: ${message}`);
}

const SNAKE = new Map<string, string>();
function snake(camel: string): string {
  let s = SNAKE.get(camel);
  if (s === undefined) {
    s = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    SNAKE.set(camel, s);
  }
  return s;
}

/** A field by its JSON name or its proto name. */
function field(obj: Json, name: string): unknown {
  const v = obj[name];
  return v !== undefined ? v : obj[snake(name)];
}

function object(v: unknown, name: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) fail(`field "${name}" must be an object`);
  return v as Json;
}

function array(obj: Json, name: string): unknown[] {
  const v = field(obj, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`field "${name}" must be an array`);
  return v;
}

function str(obj: Json, name: string): string {
  const v = field(obj, name);
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") fail(`field "${name}" must be a string`);
  return v;
}

const INT = /^-?\d+$/;

/** A 64-bit integer field (string or number) as `bigint`, wrapped to 64 bits unsigned. */
function u64(obj: Json, name: string): bigint {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0n;
  if (typeof v === "string" && INT.test(v)) return BigInt.asUintN(64, BigInt(v));
  if (typeof v === "number" && Number.isInteger(v)) return BigInt.asUintN(64, BigInt(v));
  return fail(`field "${name}" must be an integer or a decimal string`);
}

/** A 64-bit integer as `number` when exact, else `bigint` (signed). */
function i64(v: unknown, name: string): number | bigint {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && INT.test(v)) {
    const big = BigInt.asIntN(64, BigInt(v));
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }
  return fail(`field "${name}" must be an integer or a decimal string`);
}

/** A 32-bit integer or enum field (names looked up in `names`). */
function int(obj: Json, name: string, names?: Record<string, number>): number {
  const v = field(obj, name);
  if (v === undefined || v === null) return 0;
  if (typeof v === "number" && Number.isInteger(v)) return v | 0;
  if (typeof v === "string") {
    if (INT.test(v)) return Number(v) | 0;
    if (names && v in names) return names[v];
  }
  return fail(`field "${name}" must be an integer`);
}

function double(v: unknown, name: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    if (v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  }
  return fail(`field "${name}" must be a number`);
}

function bool(obj: Json, name: string): boolean {
  const v = field(obj, name);
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") fail(`field "${name}" must be a boolean`);
  return v;
}

const HEX = /^[0-9a-fA-F]*$/;

function id(obj: Json, name: string): string {
  const v = str(obj, name);
  if (!HEX.test(v) || v.length % 2 !== 0) fail(`field "${name}" must be a hex string`);
  return v.toLowerCase();
}

function base64(v: unknown, name: string): Uint8Array {
  if (typeof v !== "string") fail(`field "${name}" must be a base64 string`);
  try {
    const binary = atob(v.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return fail(`field "${name}" must be a base64 string`);
  }
}

function anyValue(v: unknown, depth: number): AnyValue {
  const obj = object(v, "value");
  if (obj === undefined) return null;
  let value: AnyValue = null;
  for (const key in obj) {
    const x = obj[key];
    if (x === null || x === undefined) continue;
    switch (key) {
      case "stringValue":
      case "string_value":
        if (typeof x !== "string") fail(`field "stringValue" must be a string`);
        value = x;
        break;
      case "boolValue":
      case "bool_value":
        if (typeof x !== "boolean") fail(`field "boolValue" must be a boolean`);
        value = x;
        break;
      case "intValue":
      case "int_value":
        value = i64(x, "intValue");
        break;
      case "doubleValue":
      case "double_value":
        value = double(x, "doubleValue");
        break;
      case "bytesValue":
      case "bytes_value":
        value = base64(x, "bytesValue");
        break;
      case "arrayValue":
      case "array_value": {
        if (depth >= MAX_VALUE_DEPTH) fail("values nested too deeply");
        value = array(object(x, "arrayValue") ?? {}, "values").map((item) =>
          anyValue(item, depth + 1)
        );
        break;
      }
      case "kvlistValue":
      case "kvlist_value": {
        if (depth >= MAX_VALUE_DEPTH) fail("values nested too deeply");
        value = new KvList(keyValues(object(x, "kvlistValue") ?? {}, "values", depth + 1));
        break;
      }
    }
  }
  return value;
}

function keyValues(obj: Json, name: string, depth = 0): KeyValue[] {
  return array(obj, name).map((item) => {
    const kv = object(item, name) ?? {};
    return [str(kv, "key"), anyValue(field(kv, "value"), depth)];
  });
}

function scope(v: unknown): Scope {
  const obj = object(v, "scope") ?? {};
  return {
    name: str(obj, "name"),
    version: str(obj, "version"),
    attributes: keyValues(obj, "attributes"),
    droppedAttributesCount: int(obj, "droppedAttributesCount") >>> 0,
  };
}

function decodeRequest<T>(
  text: string,
  resourceField: string,
  scopeField: string,
  itemField: string,
  item: (obj: Json) => T,
): ResourceGroup<T>[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    fail((error as Error).message);
  }
  const obj = object(root, "request") ?? fail("the body must be a JSON object");
  return array(obj, resourceField).map((r) => {
    const group = object(r, resourceField) ?? {};
    const resource = object(field(group, "resource"), "resource") ?? {};
    return {
      resource: {
        attributes: keyValues(resource, "attributes"),
        schemaUrl: str(group, "schemaUrl"),
      },
      scopes: array(group, scopeField).map((s) => {
        const sg = object(s, scopeField) ?? {};
        return {
          scope: scope(field(sg, "scope")),
          schemaUrl: str(sg, "schemaUrl"),
          items: array(sg, itemField).map((x) => item(object(x, itemField) ?? {})),
        };
      }),
    };
  });
}

const SPAN_KIND = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const TEMPORALITY = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
const SEVERITY: Record<string, number> = Object.fromEntries(
  ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].flatMap((name, i) =>
    [1, 2, 3, 4].map((n) => [`SEVERITY_NUMBER_${name}${n === 1 ? "" : n}`, i * 4 + n])
  ).concat([["SEVERITY_NUMBER_UNSPECIFIED", 0]]),
);

/**
 * A sender's dropped count as a property, only when non-zero: the protobuf decoder sets it only
 * when the field is present, and both decoders must build equal models.
 */
function dropped<K extends string>(obj: Json, name: K): { [P in K]?: number } {
  const n = int(obj, name) >>> 0;
  return (n === 0 ? {} : { [name]: n }) as { [P in K]?: number };
}

function span(obj: Json): Span {
  const status = object(field(obj, "status"), "status") ?? {};
  return {
    traceId: id(obj, "traceId"),
    spanId: id(obj, "spanId"),
    parentSpanId: id(obj, "parentSpanId"),
    traceState: str(obj, "traceState"),
    name: str(obj, "name"),
    kind: int(obj, "kind", SPAN_KIND),
    start: u64(obj, "startTimeUnixNano"),
    end: u64(obj, "endTimeUnixNano"),
    attributes: keyValues(obj, "attributes"),
    events: array(obj, "events").map((e) => {
      const event = object(e, "events") ?? {};
      return {
        time: u64(event, "timeUnixNano"),
        name: str(event, "name"),
        attributes: keyValues(event, "attributes"),
        ...dropped(event, "droppedAttributesCount"),
      };
    }),
    links: array(obj, "links").map((l) => {
      const link = object(l, "links") ?? {};
      return {
        traceId: id(link, "traceId"),
        spanId: id(link, "spanId"),
        traceState: str(link, "traceState"),
        attributes: keyValues(link, "attributes"),
        ...dropped(link, "droppedAttributesCount"),
      };
    }),
    statusCode: int(status, "code", STATUS_CODE),
    statusMessage: str(status, "message"),
    ...dropped(obj, "droppedAttributesCount"),
    ...dropped(obj, "droppedEventsCount"),
    ...dropped(obj, "droppedLinksCount"),
  };
}

/**
 * Decodes an `ExportTraceServiceRequest` in OTLP JSON.
 *
 * @example
 * ```ts
 * import { decodeTracesJson } from "./json.ts";
 * console.assert(decodeTracesJson('{"resourceSpans":[]}').length === 0);
 * ```
 */
export function decodeTracesJson(text: string): TracesRequest {
  return decodeRequest(text, "resourceSpans", "scopeSpans", "spans", span);
}

function logRecord(obj: Json): LogRecord {
  return {
    time: u64(obj, "timeUnixNano"),
    observedTime: u64(obj, "observedTimeUnixNano"),
    severityNumber: int(obj, "severityNumber", SEVERITY),
    severityText: str(obj, "severityText"),
    body: anyValue(field(obj, "body"), 0),
    attributes: keyValues(obj, "attributes"),
    flags: int(obj, "flags") >>> 0,
    traceId: id(obj, "traceId"),
    spanId: id(obj, "spanId"),
    eventName: str(obj, "eventName"),
    ...dropped(obj, "droppedAttributesCount"),
  };
}

/** Decodes an `ExportLogsServiceRequest` in OTLP JSON. */
export function decodeLogsJson(text: string): LogsRequest {
  return decodeRequest(text, "resourceLogs", "scopeLogs", "logRecords", logRecord);
}

function exemplars(obj: Json): Exemplar[] {
  return array(obj, "exemplars").map((e) => {
    const x = object(e, "exemplars") ?? {};
    const asInt = field(x, "asInt");
    return {
      filteredAttributes: keyValues(x, "filteredAttributes"),
      time: u64(x, "timeUnixNano"),
      value: asInt !== undefined && asInt !== null
        ? Number(i64(asInt, "asInt"))
        : double(field(x, "asDouble"), "asDouble"),
      traceId: id(x, "traceId"),
      spanId: id(x, "spanId"),
    };
  });
}

function base(obj: Json) {
  return {
    attributes: keyValues(obj, "attributes"),
    start: u64(obj, "startTimeUnixNano"),
    time: u64(obj, "timeUnixNano"),
    flags: int(obj, "flags") >>> 0,
  };
}

function numberPoint(obj: Json): NumberPoint {
  const asInt = field(obj, "asInt");
  return {
    ...base(obj),
    value: asInt !== undefined && asInt !== null
      ? Number(i64(asInt, "asInt"))
      : double(field(obj, "asDouble"), "asDouble"),
    exemplars: exemplars(obj),
  };
}

function counts(obj: Json, name: string): (number | bigint)[] {
  return array(obj, name).map((v) => {
    const n = i64(v, name);
    return typeof n === "bigint"
      ? BigInt.asUintN(64, n)
      : n < 0
      ? BigInt.asUintN(64, BigInt(n))
      : n;
  });
}

function histogramPoint(obj: Json): HistogramPoint {
  return {
    ...base(obj),
    count: u64(obj, "count"),
    sum: double(field(obj, "sum"), "sum"),
    bucketCounts: counts(obj, "bucketCounts"),
    explicitBounds: array(obj, "explicitBounds").map((v) => double(v, "explicitBounds")),
    exemplars: exemplars(obj),
    min: double(field(obj, "min"), "min"),
    max: double(field(obj, "max"), "max"),
  };
}

function buckets(v: unknown): ExpBuckets {
  const obj = object(v, "buckets") ?? {};
  return { offset: int(obj, "offset"), bucketCounts: counts(obj, "bucketCounts") };
}

function expHistogramPoint(obj: Json): ExpHistogramPoint {
  return {
    ...base(obj),
    count: u64(obj, "count"),
    sum: double(field(obj, "sum"), "sum"),
    scale: int(obj, "scale"),
    zeroCount: u64(obj, "zeroCount"),
    positive: buckets(field(obj, "positive")),
    negative: buckets(field(obj, "negative")),
    exemplars: exemplars(obj),
    min: double(field(obj, "min"), "min"),
    max: double(field(obj, "max"), "max"),
  };
}

function summaryPoint(obj: Json): SummaryPoint {
  const quantiles = array(obj, "quantileValues").map((q) => object(q, "quantileValues") ?? {});
  return {
    ...base(obj),
    count: u64(obj, "count"),
    sum: double(field(obj, "sum"), "sum"),
    quantiles: quantiles.map((q) => double(field(q, "quantile"), "quantile")),
    values: quantiles.map((q) => double(field(q, "value"), "value")),
  };
}

function points<P>(data: Json, point: (obj: Json) => P): P[] {
  return array(data, "dataPoints").map((p) => point(object(p, "dataPoints") ?? {}));
}

function metric(obj: Json): Metric {
  const m: Metric = {
    name: str(obj, "name"),
    description: str(obj, "description"),
    unit: str(obj, "unit"),
    data: { type: "empty" },
  };
  let d: Json | undefined;
  if ((d = object(field(obj, "gauge"), "gauge"))) {
    m.data = { type: "gauge", points: points(d, numberPoint) };
  } else if ((d = object(field(obj, "sum"), "sum"))) {
    m.data = {
      type: "sum",
      points: points(d, numberPoint),
      temporality: int(d, "aggregationTemporality", TEMPORALITY),
      monotonic: bool(d, "isMonotonic"),
    };
  } else if ((d = object(field(obj, "histogram"), "histogram"))) {
    m.data = {
      type: "histogram",
      points: points(d, histogramPoint),
      temporality: int(d, "aggregationTemporality", TEMPORALITY),
    };
  } else if ((d = object(field(obj, "exponentialHistogram"), "exponentialHistogram"))) {
    m.data = {
      type: "exponential_histogram",
      points: points(d, expHistogramPoint),
      temporality: int(d, "aggregationTemporality", TEMPORALITY),
    };
  } else if ((d = object(field(obj, "summary"), "summary"))) {
    m.data = { type: "summary", points: points(d, summaryPoint) };
  }
  return m;
}

/** Decodes an `ExportMetricsServiceRequest` in OTLP JSON. */
export function decodeMetricsJson(text: string): MetricsRequest {
  return decodeRequest(text, "resourceMetrics", "scopeMetrics", "metrics", metric);
}
