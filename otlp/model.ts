/**
 * The decoded OTLP data model shared by the protobuf and JSON decoders and the row mappers.
 * It mirrors the OTLP messages with only the fields the ClickHouse rows need; ids are kept as
 * lower-case hex strings and nanosecond timestamps as `bigint`.
 *
 * @module
 */

/** A key/value list value (`kvlist_value`); kept distinct from arrays. */
export class KvList {
  /** The entries, in received order (duplicates kept). */
  readonly entries: KeyValue[];
  constructor(entries: KeyValue[]) {
    this.entries = entries;
  }
}

/**
 * An OTLP `AnyValue`: string, bool, int (`number` when it fits 53 bits, else `bigint`), double
 * (`number`: an int and a double print alike once stringified), bytes, array, kvlist, or `null`
 * when empty.
 */
export type AnyValue = string | boolean | number | bigint | Uint8Array | AnyValue[] | KvList | null;

/** One attribute: key and value. */
export type KeyValue = [key: string, value: AnyValue];

/** An instrumentation scope. */
export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

/** A resource with its schema URL (from the enclosing `Resource*` message). */
export interface Resource {
  attributes: KeyValue[];
  schemaUrl: string;
}

/** Items grouped by resource and scope, as OTLP sends them. */
export interface ResourceGroup<T> {
  resource: Resource;
  scopes: ScopeGroup<T>[];
}

/** Items of one instrumentation scope. */
export interface ScopeGroup<T> {
  scope: Scope;
  schemaUrl: string;
  items: T[];
}

/** A span event. */
export interface SpanEvent {
  time: bigint;
  name: string;
  attributes: KeyValue[];
  /** Attributes the sender dropped; read only where ingest limits drop more (`limits.ts`). */
  droppedAttributesCount?: number;
}

/** A span link; ids as hex. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  /** Attributes the sender dropped. */
  droppedAttributesCount?: number;
}

/** A span; ids as hex (empty when absent). */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: KeyValue[];
  events: SpanEvent[];
  links: SpanLink[];
  statusCode: number;
  statusMessage: string;
  /** Attributes, events and links the sender dropped. */
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
}

/** A log record; ids as hex (empty when absent). */
export interface LogRecord {
  time: bigint;
  observedTime: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
  /** Attributes the sender dropped. */
  droppedAttributesCount?: number;
}

/** A metric exemplar; ids as hex (empty when absent). */
export interface Exemplar {
  filteredAttributes: KeyValue[];
  time: bigint;
  value: number;
  traceId: string;
  spanId: string;
}

/** Fields every data point has. */
export interface BasePoint {
  attributes: KeyValue[];
  start: bigint;
  time: bigint;
  flags: number;
}

/** A gauge or sum data point. */
export interface NumberPoint extends BasePoint {
  value: number;
  exemplars: Exemplar[];
}

/** A histogram data point. */
export interface HistogramPoint extends BasePoint {
  count: bigint;
  sum: number;
  bucketCounts: (number | bigint)[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  min: number;
  max: number;
}

/** Buckets of one side of an exponential histogram. */
export interface ExpBuckets {
  offset: number;
  bucketCounts: (number | bigint)[];
}

/** An exponential histogram data point. */
export interface ExpHistogramPoint extends BasePoint {
  count: bigint;
  sum: number;
  scale: number;
  zeroCount: bigint;
  positive: ExpBuckets;
  negative: ExpBuckets;
  exemplars: Exemplar[];
  min: number;
  max: number;
}

/** A summary data point. */
export interface SummaryPoint extends BasePoint {
  count: bigint;
  sum: number;
  quantiles: number[];
  values: number[];
}

/** The metric data kinds, as the exporter's tables split them. */
export type MetricData =
  | { type: "gauge"; points: NumberPoint[] }
  | { type: "sum"; points: NumberPoint[]; temporality: number; monotonic: boolean }
  | { type: "histogram"; points: HistogramPoint[]; temporality: number }
  | { type: "exponential_histogram"; points: ExpHistogramPoint[]; temporality: number }
  | { type: "summary"; points: SummaryPoint[] }
  | { type: "empty" };

/** A metric with its data. */
export interface Metric {
  name: string;
  description: string;
  unit: string;
  data: MetricData;
}

/** A decoded `ExportTraceServiceRequest`. */
export type TracesRequest = ResourceGroup<Span>[];
/** A decoded `ExportLogsServiceRequest`. */
export type LogsRequest = ResourceGroup<LogRecord>[];
/** A decoded `ExportMetricsServiceRequest`. */
export type MetricsRequest = ResourceGroup<Metric>[];
