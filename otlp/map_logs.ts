/**
 * Maps decoded log records to `otel_logs` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_logs.go`, v0.161.0, with the `EventName` column) appends them, plus
 * `error.fingerprint` on error-level records. Row keys are the column names of `LOGS_COLUMNS` in
 * `sql/schema.ts`.
 *
 * @module
 */
import { isErrorLog, logErrorInput } from "./error_fingerprint.ts";
import type { MapColumn, NativeBlockBuilder, ScalarColumn } from "../sql/native.ts";
import { encodeMapEntries } from "../sql/native.ts";
import {
  type Mapped,
  reject,
  type Rejections,
  serviceName,
  withFingerprint,
} from "./map_common.ts";
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

/**
 * {@linkcode mapLogs} straight into the columns of an `otel_logs` block (built with
 * `LOGS_COLUMNS`): the same values, without a row object per record. Returns the records
 * appended; rejected ones are counted in `out`. On an exception the caller rolls the builder
 * back.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native.ts";
 * import { LOGS_COLUMNS } from "../sql/schema.ts";
 * import { mapLogsInto } from "./map_logs.ts";
 * const builder = new NativeBlockBuilder(LOGS_COLUMNS);
 * console.assert(mapLogsInto([], builder, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function mapLogsInto(
  request: LogsRequest,
  builder: NativeBlockBuilder,
  out: Rejections,
): number {
  const scalar = (name: string) => (builder.column(name) as ScalarColumn).out;
  const map = (name: string) => builder.column(name) as MapColumn;
  const timestamp = scalar("Timestamp");
  const traceId = scalar("TraceId");
  const spanId = scalar("SpanId");
  const traceFlags = scalar("TraceFlags");
  const severityText = scalar("SeverityText");
  const severityNumber = scalar("SeverityNumber");
  const serviceColumn = scalar("ServiceName");
  const body = scalar("Body");
  const resourceSchemaUrl = scalar("ResourceSchemaUrl");
  const resourceAttributes = map("ResourceAttributes");
  const scopeSchemaUrl = scalar("ScopeSchemaUrl");
  const scopeName = scalar("ScopeName");
  const scopeVersion = scalar("ScopeVersion");
  const scopeAttributesColumn = map("ScopeAttributes");
  const logAttributesColumn = map("LogAttributes");
  const eventName = scalar("EventName");
  let appended = 0;
  for (const group of request) {
    const service = serviceName(group.resource.attributes);
    const resource = encodeMapEntries(attributeMap(group.resource.attributes));
    const resourceUrl = group.resource.schemaUrl;
    for (const { scope, schemaUrl, items } of group.scopes) {
      const scopeAttributes = encodeMapEntries(attributeMap(scope.attributes));
      for (const log of items) {
        if (!validId(log.traceId, 16) || !validId(log.spanId, 8)) {
          reject(out, "log record: trace_id/span_id must be 16/8 bytes");
          continue;
        }
        timestamp.i64(log.time === 0n ? log.observedTime : log.time);
        traceId.string(idOrEmpty(log.traceId));
        spanId.string(idOrEmpty(log.spanId));
        traceFlags.u8(log.flags & 0xff);
        severityText.string(log.severityText);
        severityNumber.u8(log.severityNumber & 0xff);
        serviceColumn.string(service);
        body.string(asString(log.body));
        resourceSchemaUrl.string(resourceUrl);
        resourceAttributes.encoded(resource);
        scopeSchemaUrl.string(schemaUrl);
        scopeName.string(scope.name);
        scopeVersion.string(scope.version);
        scopeAttributesColumn.encoded(scopeAttributes);
        logAttributesColumn.strings(attributeMap(logAttributes(log)));
        eventName.string(log.eventName);
        builder.endRow();
        appended++;
      }
    }
  }
  return appended;
}
