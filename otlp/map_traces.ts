/**
 * Maps decoded spans to `otel_traces` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_traces.go`, v0.161.0) appends them, plus `error.fingerprint` on error spans.
 * The table and its column writers are `sql/tables/otel_traces.ts`.
 *
 * @module
 */
import { spanErrorInput } from "./error_fingerprint.ts";
import { type EncodedMap, encodeString } from "../sql/native/mod.ts";
import type { TracesBlock } from "../sql/tables/otel_traces.ts";
import type { Rejections, ResourceRows } from "./map_common.ts";
import { appendEach, reject, withFingerprint } from "./map_common.ts";
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

/** What the spans of one resource and scope share, encoded once for all their rows. */
export interface SpanScope {
  service: Uint8Array;
  resource: EncodedMap;
  scopeName: Uint8Array;
  scopeVersion: Uint8Array;
}

/** What the spans of `scope` (of `resource`) share; both ingest paths make it here. */
export function spanScope(resource: ResourceRows, scope: Scope): SpanScope {
  return {
    service: encodeString(resource.service),
    resource: resource.resource,
    scopeName: encodeString(scope.name),
    scopeVersion: encodeString(scope.version),
  };
}

/** Writes the columns a span takes from its resource and scope; both ingest paths write them here. */
export function appendSpanScope(b: TracesBlock, s: SpanScope): void {
  b.serviceName.encoded(s.service);
  b.resourceAttributes.encoded(s.resource);
  b.scopeName.encoded(s.scopeName);
  b.scopeVersion.encoded(s.scopeVersion);
}

/**
 * Appends one span's row (as the test oracle `mapTraces` in `testing/` maps it) to `b`, or counts it in `out` as
 * rejected. Returns whether a row was appended.
 */
export function appendSpan(
  b: TracesBlock,
  s: SpanScope,
  span: Span,
  out: Rejections,
): boolean {
  const invalid = invalidIds(span);
  if (invalid) {
    reject(out, `span "${span.name}": ${invalid}`);
    return false;
  }
  b.timestamp.nanos(span.start);
  b.traceId.string(idOrEmpty(span.traceId));
  b.spanId.string(idOrEmpty(span.spanId));
  b.parentSpanId.string(idOrEmpty(span.parentSpanId));
  b.traceState.string(span.traceState);
  b.spanName.string(span.name);
  b.spanKind.string(SPAN_KINDS[span.kind] ?? "");
  appendSpanScope(b, s);
  b.spanAttributes.entries(attributeMap(spanAttributes(span)));
  b.duration.value(BigInt.asUintN(64, span.end - span.start));
  b.statusCode.string(SPAN_STATUS_CODES[span.statusCode] ?? "");
  b.statusMessage.string(span.statusMessage);
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    b.eventTimestamps.items.nanos(events[i].time);
    b.eventNames.items.string(events[i].name);
    b.eventAttributes.items.entries(attributeMap(events[i].attributes));
  }
  b.endEvents(events.length);
  const links = span.links;
  for (let i = 0; i < links.length; i++) {
    b.linkTraceIds.items.string(idOrEmpty(links[i].traceId));
    b.linkSpanIds.items.string(idOrEmpty(links[i].spanId));
    b.linkTraceStates.items.string(links[i].traceState);
    b.linkAttributes.items.entries(attributeMap(links[i].attributes));
  }
  b.endLinks(links.length);
  b.endRow();
  return true;
}

/**
 * The spans of a request appended to an `otel_traces` block: the same values as the oracle's
 * rows, without a row object per span. Returns the spans appended; rejected spans are counted in
 * `out`. A resource's attributes are encoded once for all its spans. On an exception the caller
 * rolls the builder back (rows may be half-written).
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { TRACES_COLUMNS, TracesBlock } from "../sql/tables/otel_traces.ts";
 * import { mapTracesInto } from "./map_traces.ts";
 * const block = new TracesBlock(new NativeBlockBuilder(TRACES_COLUMNS));
 * console.assert(mapTracesInto([], block, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function mapTracesInto(request: TracesRequest, block: TracesBlock, out: Rejections): number {
  return appendEach(request, spanScope, (s, span) => appendSpan(block, s, span, out));
}
