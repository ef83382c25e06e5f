/**
 * Maps decoded spans to `otel_traces` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_traces.go`, v0.161.0) appends them, plus `error.fingerprint` on error spans.
 * Row keys are the column names of `TRACES_COLUMNS` in `sql/schema.ts`.
 *
 * @module
 */
import { spanErrorInput } from "./error_fingerprint.ts";
import type {
  ArrayColumn,
  ByteWriter,
  EncodedMap,
  MapColumn,
  NativeBlockBuilder,
  ScalarColumn,
} from "../sql/native/mod.ts";
import { appendEach, reject, type Rejections, withFingerprint } from "./map_common.ts";
import { SPAN_STATUS_CODES } from "../sql/span_status.ts";
import type { KeyValue, Scope, Span, TracesRequest } from "./model.ts";
import { attributeMap, attributeRecord, idOrEmpty, validId } from "./values.ts";

/** `ptrace.SpanKind.String()`. */
export const SPAN_KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"];

/** Span attributes with `error.fingerprint` when the span is an error. */
export function spanAttributes(span: Span): KeyValue[] {
  const error = span.statusCode === 2 || span.events.some((e) => e.name === "exception");
  if (!error) return span.attributes;
  return withFingerprint(span.attributes, () =>
    spanErrorInput({
      name: span.name,
      statusCode: span.statusCode,
      statusMessage: span.statusMessage,
      attributes: attributeRecord(span.attributes),
      events: span.events.map((e) => ({ name: e.name, attributes: attributeRecord(e.attributes) })),
    }));
}

/** Why a span cannot be stored (ids of the wrong length), or `undefined`. */
export function invalidIds(span: Span): string | undefined {
  if (!validId(span.traceId, 16)) return "trace_id must be 16 bytes";
  if (!validId(span.spanId, 8)) return "span_id must be 8 bytes";
  if (!validId(span.parentSpanId, 8)) return "parent_span_id must be 8 bytes";
  for (const link of span.links) {
    if (!validId(link.traceId, 16) || !validId(link.spanId, 8)) {
      return "link trace_id/span_id must be 16/8 bytes";
    }
  }
  return undefined;
}

/** The columns of an `otel_traces` block, looked up once per request. */
export class TraceColumns {
  readonly timestamp: ByteWriter;
  readonly traceId: ByteWriter;
  readonly spanId: ByteWriter;
  readonly parentSpanId: ByteWriter;
  readonly traceState: ByteWriter;
  readonly spanName: ByteWriter;
  readonly spanKind: ByteWriter;
  readonly serviceName: ByteWriter;
  readonly resourceAttributes: MapColumn;
  readonly scopeName: ByteWriter;
  readonly scopeVersion: ByteWriter;
  readonly spanAttributes: MapColumn;
  readonly duration: ByteWriter;
  readonly statusCode: ByteWriter;
  readonly statusMessage: ByteWriter;
  readonly eventTimes: ArrayColumn;
  readonly eventNames: ArrayColumn;
  readonly eventAttributes: ArrayColumn;
  readonly linkTraces: ArrayColumn;
  readonly linkSpans: ArrayColumn;
  readonly linkStates: ArrayColumn;
  readonly linkAttributes: ArrayColumn;
  readonly eventTimeOut: ByteWriter;
  readonly eventNameOut: ByteWriter;
  readonly eventMaps: MapColumn;
  readonly linkTraceOut: ByteWriter;
  readonly linkSpanOut: ByteWriter;
  readonly linkStateOut: ByteWriter;
  readonly linkMaps: MapColumn;

  constructor(readonly builder: NativeBlockBuilder) {
    const scalar = (name: string) => (builder.column(name) as ScalarColumn).out;
    const array = (name: string) => builder.column(name) as ArrayColumn;
    this.timestamp = scalar("Timestamp");
    this.traceId = scalar("TraceId");
    this.spanId = scalar("SpanId");
    this.parentSpanId = scalar("ParentSpanId");
    this.traceState = scalar("TraceState");
    this.spanName = scalar("SpanName");
    this.spanKind = scalar("SpanKind");
    this.serviceName = scalar("ServiceName");
    this.resourceAttributes = builder.column("ResourceAttributes") as MapColumn;
    this.scopeName = scalar("ScopeName");
    this.scopeVersion = scalar("ScopeVersion");
    this.spanAttributes = builder.column("SpanAttributes") as MapColumn;
    this.duration = scalar("Duration");
    this.statusCode = scalar("StatusCode");
    this.statusMessage = scalar("StatusMessage");
    this.eventTimes = array("Events.Timestamp");
    this.eventNames = array("Events.Name");
    this.eventAttributes = array("Events.Attributes");
    this.linkTraces = array("Links.TraceId");
    this.linkSpans = array("Links.SpanId");
    this.linkStates = array("Links.TraceState");
    this.linkAttributes = array("Links.Attributes");
    this.eventTimeOut = (this.eventTimes.inner as ScalarColumn).out;
    this.eventNameOut = (this.eventNames.inner as ScalarColumn).out;
    this.eventMaps = this.eventAttributes.inner as MapColumn;
    this.linkTraceOut = (this.linkTraces.inner as ScalarColumn).out;
    this.linkSpanOut = (this.linkSpans.inner as ScalarColumn).out;
    this.linkStateOut = (this.linkStates.inner as ScalarColumn).out;
    this.linkMaps = this.linkAttributes.inner as MapColumn;
  }
}

/** What the spans of one resource and scope share. */
export interface SpanContext {
  service: string;
  resource: EncodedMap;
  scope: Scope;
}

/**
 * Appends one span's row (as the test oracle `mapTraces` in `testing/` maps it) to `c`, or counts it in `out` as
 * rejected. Returns whether a row was appended.
 */
export function appendSpan(
  c: TraceColumns,
  ctx: SpanContext,
  span: Span,
  out: Rejections,
): boolean {
  const invalid = invalidIds(span);
  if (invalid) {
    reject(out, `span "${span.name}": ${invalid}`);
    return false;
  }
  c.timestamp.i64(span.start);
  c.traceId.string(idOrEmpty(span.traceId));
  c.spanId.string(idOrEmpty(span.spanId));
  c.parentSpanId.string(idOrEmpty(span.parentSpanId));
  c.traceState.string(span.traceState);
  c.spanName.string(span.name);
  c.spanKind.string(SPAN_KINDS[span.kind] ?? "");
  c.serviceName.string(ctx.service);
  c.resourceAttributes.encoded(ctx.resource);
  c.scopeName.string(ctx.scope.name);
  c.scopeVersion.string(ctx.scope.version);
  c.spanAttributes.strings(attributeMap(spanAttributes(span)));
  c.duration.u64(BigInt.asUintN(64, span.end - span.start));
  c.statusCode.string(SPAN_STATUS_CODES[span.statusCode] ?? "");
  c.statusMessage.string(span.statusMessage);
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    c.eventTimeOut.i64(events[i].time);
    c.eventNameOut.string(events[i].name);
    c.eventMaps.strings(attributeMap(events[i].attributes));
  }
  c.eventTimes.close(events.length);
  c.eventNames.close(events.length);
  c.eventAttributes.close(events.length);
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    c.linkTraceOut.string(idOrEmpty(links[i].traceId));
    c.linkSpanOut.string(idOrEmpty(links[i].spanId));
    c.linkStateOut.string(links[i].traceState);
    c.linkMaps.strings(attributeMap(links[i].attributes));
  }
  c.linkTraces.close(links.length);
  c.linkSpans.close(links.length);
  c.linkStates.close(links.length);
  c.linkAttributes.close(links.length);
  c.builder.endRow();
  return true;
}

/**
 * The spans of a request straight into the columns of an `otel_traces` block (built with
 * `TRACES_COLUMNS`): the same values, without a row object per span. Returns the spans appended;
 * rejected spans are counted in `out`. A resource's attributes are encoded once for all its
 * spans. On an exception the caller rolls the builder back (rows may be half-written).
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { TRACES_COLUMNS } from "../sql/schema.ts";
 * import { mapTracesInto } from "./map_traces.ts";
 * const builder = new NativeBlockBuilder(TRACES_COLUMNS);
 * console.assert(mapTracesInto([], builder, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function mapTracesInto(
  request: TracesRequest,
  builder: NativeBlockBuilder,
  out: Rejections,
): number {
  const c = new TraceColumns(builder);
  return appendEach(
    request,
    ({ service, resource }, { scope }): SpanContext => ({ service, resource, scope }),
    (ctx, span) => appendSpan(c, ctx, span, out),
  );
}
