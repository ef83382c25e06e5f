/**
 * The row-object mapping of log records, kept as a test oracle for the fast paths
 * (`mapLogsInto`, the columnar protobuf path): one readable function saying what each `otel_logs`
 * column holds.
 *
 * @module
 */
import { type Mapped, reject, serviceName } from "../otlp/map_common.ts";
import { logAttributes } from "../otlp/map_logs.ts";
import type { LogsRequest } from "../otlp/model.ts";
import { asString, attributeMap, idOrEmpty, validId } from "../otlp/values.ts";

/**
 * Maps an `ExportLogsServiceRequest` to `otel_logs` rows. The timestamp falls back to the
 * observed timestamp when zero; records with ids of the wrong length are rejected.
 *
 * @example
 * ```ts
 * import { mapLogs } from "./map_logs_oracle.ts";
 * console.assert(mapLogs([]).rejected === 0);
 * ```
 */
export function mapLogs(request: LogsRequest): Mapped {
  const out: Mapped = { rows: [], rejected: 0, errors: [] };
  for (const group of request) {
    const service = serviceName(group.resource.attributes);
    const resource = attributeMap(group.resource.attributes);
    const resourceUrl = group.resource.schemaUrl;
    for (const { scope, schemaUrl, items } of group.scopes) {
      const scopeAttributes = attributeMap(scope.attributes);
      for (const log of items) {
        if (!validId(log.traceId, 16) || !validId(log.spanId, 8)) {
          reject(out, "log record: trace_id/span_id must be 16/8 bytes");
          continue;
        }
        out.rows.push({
          "Timestamp": log.time === 0n ? log.observedTime : log.time,
          "TraceId": idOrEmpty(log.traceId),
          "SpanId": idOrEmpty(log.spanId),
          "TraceFlags": log.flags & 0xff,
          "SeverityText": log.severityText,
          "SeverityNumber": log.severityNumber & 0xff,
          "ServiceName": service,
          "Body": asString(log.body),
          "ResourceSchemaUrl": resourceUrl,
          "ResourceAttributes": resource,
          "ScopeSchemaUrl": schemaUrl,
          "ScopeName": scope.name,
          "ScopeVersion": scope.version,
          "ScopeAttributes": scopeAttributes,
          "LogAttributes": attributeMap(logAttributes(log)),
          "EventName": log.eventName,
        });
      }
    }
  }
  return out;
}
