/**
 * The row-object mapping of spans, kept as a test oracle: it says in one readable function what
 * each `otel_traces` column holds, and the fast paths (`mapTracesInto`, the columnar protobuf
 * path) are tested and fuzzed against it.
 *
 * @module
 */
import { type Mapped, reject, serviceName } from "../otlp/map_common.ts";
import { invalidIds, SPAN_KINDS, spanAttributes } from "../otlp/map_traces.ts";
import type { TracesRequest } from "../otlp/model.ts";
import { attributeMap, idOrEmpty, type MapEntries } from "../otlp/values.ts";
import { SPAN_STATUS_CODES as STATUS_CODES } from "../sql/span_status.ts";

/**
 * Maps an `ExportTraceServiceRequest` to `otel_traces` rows. Spans with ids of the wrong
 * length are rejected (counted for the partial-success answer), the rest are mapped.
 *
 * @example
 * ```ts
 * import { mapTraces } from "./map_traces_oracle.ts";
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
