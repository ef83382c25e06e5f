/**
 * Maps decoded spans to `otel_traces` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_traces.go`, v0.161.0) appends them, plus `error.fingerprint` on error spans.
 * Row keys are the column names of `TRACES_COLUMNS` in `sql/schema.ts`.
 *
 * @module
 */
import { spanErrorInput } from "./error_fingerprint.ts";
import type { ArrayColumn, MapColumn, NativeBlockBuilder, ScalarColumn } from "../sql/native.ts";
import { encodeMapEntries } from "../sql/native.ts";
import {
  type Mapped,
  reject,
  type Rejections,
  serviceName,
  withFingerprint,
} from "./map_common.ts";
import type { KeyValue, Span, TracesRequest } from "./model.ts";
import { attributeMap, attributeRecord, idOrEmpty, type MapEntries, validId } from "./values.ts";

/** `ptrace.SpanKind.String()`. */
export const SPAN_KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"];
/** `ptrace.StatusCode.String()`. */
export const STATUS_CODES = ["Unset", "Ok", "Error"];

/** Span attributes with `error.fingerprint` when the span is an error. */
function spanAttributes(span: Span): KeyValue[] {
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

function invalidIds(span: Span): string | undefined {
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

/**
 * Maps an `ExportTraceServiceRequest` to `otel_traces` rows. Spans with ids of the wrong
 * length are rejected (counted for the partial-success answer), the rest are mapped.
 *
 * @example
 * ```ts
 * import { mapTraces } from "./map_traces.ts";
 * console.assert(mapTraces([]).rows.length === 0);
 * ```
 */
export function mapTraces(request: TracesRequest): Mapped {
  const out: Mapped = { rows: [], rejected: 0, errors: [] };
  for (const group of request) {
    const service = serviceName(group.resource.attributes);
    const resource = attributeMap(group.resource.attributes);
    for (const { scope, items } of group.scopes) {
      for (const span of items) {
        const invalid = invalidIds(span);
        if (invalid) {
          reject(out, `span "${span.name}": ${invalid}`);
          continue;
        }
        const events = span.events;
        const links = span.links;
        let eventTimes: bigint[] = [], eventNames: string[] = [], eventAttrs: MapEntries[] = [];
        if (events.length > 0) {
          eventTimes = events.map((e) => e.time);
          eventNames = events.map((e) => e.name);
          eventAttrs = events.map((e) => attributeMap(e.attributes));
        }
        let linkTraces: string[] = [], linkSpans: string[] = [], linkStates: string[] = [];
        let linkAttrs: MapEntries[] = [];
        if (links.length > 0) {
          linkTraces = links.map((l) => idOrEmpty(l.traceId));
          linkSpans = links.map((l) => idOrEmpty(l.spanId));
          linkStates = links.map((l) => l.traceState);
          linkAttrs = links.map((l) => attributeMap(l.attributes));
        }
        out.rows.push({
          "Timestamp": span.start,
          "TraceId": idOrEmpty(span.traceId),
          "SpanId": idOrEmpty(span.spanId),
          "ParentSpanId": idOrEmpty(span.parentSpanId),
          "TraceState": span.traceState,
          "SpanName": span.name,
          "SpanKind": SPAN_KINDS[span.kind] ?? "",
          "ServiceName": service,
          "ResourceAttributes": resource,
          "ScopeName": scope.name,
          "ScopeVersion": scope.version,
          "SpanAttributes": attributeMap(spanAttributes(span)),
          "Duration": BigInt.asUintN(64, span.end - span.start),
          "StatusCode": STATUS_CODES[span.statusCode] ?? "",
          "StatusMessage": span.statusMessage,
          "Events.Timestamp": eventTimes,
          "Events.Name": eventNames,
          "Events.Attributes": eventAttrs,
          "Links.TraceId": linkTraces,
          "Links.SpanId": linkSpans,
          "Links.TraceState": linkStates,
          "Links.Attributes": linkAttrs,
        });
      }
    }
  }
  return out;
}

/**
 * {@linkcode mapTraces} straight into the columns of an `otel_traces` block (built with
 * `TRACES_COLUMNS`): the same values, without a row object per span. Returns the spans appended;
 * rejected spans are counted in `out`. A resource's attributes are encoded once for all its
 * spans. On an exception the caller rolls the builder back (rows may be half-written).
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native.ts";
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
  const scalar = (name: string) => (builder.column(name) as ScalarColumn).out;
  const timestamp = scalar("Timestamp");
  const traceId = scalar("TraceId");
  const spanId = scalar("SpanId");
  const parentSpanId = scalar("ParentSpanId");
  const traceState = scalar("TraceState");
  const spanName = scalar("SpanName");
  const spanKind = scalar("SpanKind");
  const serviceColumn = scalar("ServiceName");
  const resourceAttributes = builder.column("ResourceAttributes") as MapColumn;
  const scopeName = scalar("ScopeName");
  const scopeVersion = scalar("ScopeVersion");
  const spanAttributesColumn = builder.column("SpanAttributes") as MapColumn;
  const duration = scalar("Duration");
  const statusCode = scalar("StatusCode");
  const statusMessage = scalar("StatusMessage");
  const eventTimes = builder.column("Events.Timestamp") as ArrayColumn;
  const eventNames = builder.column("Events.Name") as ArrayColumn;
  const eventAttributes = builder.column("Events.Attributes") as ArrayColumn;
  const linkTraces = builder.column("Links.TraceId") as ArrayColumn;
  const linkSpans = builder.column("Links.SpanId") as ArrayColumn;
  const linkStates = builder.column("Links.TraceState") as ArrayColumn;
  const linkAttributes = builder.column("Links.Attributes") as ArrayColumn;
  const eventTimeOut = (eventTimes.inner as ScalarColumn).out;
  const eventNameOut = (eventNames.inner as ScalarColumn).out;
  const eventMaps = eventAttributes.inner as MapColumn;
  const linkTraceOut = (linkTraces.inner as ScalarColumn).out;
  const linkSpanOut = (linkSpans.inner as ScalarColumn).out;
  const linkStateOut = (linkStates.inner as ScalarColumn).out;
  const linkMaps = linkAttributes.inner as MapColumn;
  let appended = 0;
  for (const group of request) {
    const service = serviceName(group.resource.attributes);
    const resource = encodeMapEntries(attributeMap(group.resource.attributes));
    for (const { scope, items } of group.scopes) {
      for (const span of items) {
        const invalid = invalidIds(span);
        if (invalid) {
          reject(out, `span "${span.name}": ${invalid}`);
          continue;
        }
        timestamp.i64(span.start);
        traceId.string(idOrEmpty(span.traceId));
        spanId.string(idOrEmpty(span.spanId));
        parentSpanId.string(idOrEmpty(span.parentSpanId));
        traceState.string(span.traceState);
        spanName.string(span.name);
        spanKind.string(SPAN_KINDS[span.kind] ?? "");
        serviceColumn.string(service);
        resourceAttributes.encoded(resource);
        scopeName.string(scope.name);
        scopeVersion.string(scope.version);
        spanAttributesColumn.strings(attributeMap(spanAttributes(span)));
        duration.u64(BigInt.asUintN(64, span.end - span.start));
        statusCode.string(STATUS_CODES[span.statusCode] ?? "");
        statusMessage.string(span.statusMessage);
        const events = span.events;
        for (let i = 0; i < events.length; i++) {
          eventTimeOut.i64(events[i].time);
          eventNameOut.string(events[i].name);
          eventMaps.strings(attributeMap(events[i].attributes));
        }
        eventTimes.close(events.length);
        eventNames.close(events.length);
        eventAttributes.close(events.length);
        const links = span.links;
        for (let i = 0; i < links.length; i++) {
          linkTraceOut.string(idOrEmpty(links[i].traceId));
          linkSpanOut.string(idOrEmpty(links[i].spanId));
          linkStateOut.string(links[i].traceState);
          linkMaps.strings(attributeMap(links[i].attributes));
        }
        linkTraces.close(links.length);
        linkSpans.close(links.length);
        linkStates.close(links.length);
        linkAttributes.close(links.length);
        builder.endRow();
        appended++;
      }
    }
  }
  return appended;
}
