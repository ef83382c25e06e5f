/**
 * Maps decoded spans to `otel_traces` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_traces.go`, v0.161.0) appends them, plus `error.fingerprint` on error spans.
 * Row keys are the column names of `TRACES_COLUMNS` in `sql/schema.ts`.
 *
 * @module
 */
import { spanErrorInput } from "./error_fingerprint.ts";
import { type Mapped, reject, serviceName, withFingerprint } from "./map_common.ts";
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
