/**
 * Maps decoded log records to `otel_logs` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_logs.go`, v0.161.0, with the `EventName` column) appends them, plus
 * `error.fingerprint` on error-level records. Row keys are the column names of `LOGS_COLUMNS` in
 * `sql/schema.ts`.
 *
 * @module
 */
import { isErrorLog, logErrorInput } from "./error_fingerprint.ts";
import { type Mapped, reject, serviceName, withFingerprint } from "./map_common.ts";
import type { KeyValue, LogRecord, LogsRequest } from "./model.ts";
import { asString, attributeMap, attributeRecord, idOrEmpty, validId } from "./values.ts";

/** Log attributes with `error.fingerprint` when the record is error-level. */
function logAttributes(log: LogRecord): KeyValue[] {
  const fields = { severityNumber: log.severityNumber, severityText: log.severityText };
  if (!isErrorLog(fields)) return log.attributes;
  return withFingerprint(
    log.attributes,
    () => logErrorInput({ ...fields, body: log.body, attributes: attributeRecord(log.attributes) }),
  );
}

/**
 * Maps an `ExportLogsServiceRequest` to `otel_logs` rows. The timestamp falls back to the
 * observed timestamp when zero; records with ids of the wrong length are rejected.
 *
 * @example
 * ```ts
 * import { mapLogs } from "./map_logs.ts";
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
