/**
 * Maps decoded log records to `otel_logs` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_logs.go`, v0.161.0, with the `EventName` column) appends them, plus
 * `error.fingerprint` on error-level records. The table and its column writers are
 * `sql/tables/otel_logs.ts`.
 *
 * @module
 */
import { isErrorLog, logErrorInput } from "./error_fingerprint.ts";
import { type EncodedMap, encodeMapEntries, encodeString } from "../sql/native/mod.ts";
import type { LogsBlock } from "../sql/tables/otel_logs.ts";
import type { Rejections, ResourceRows } from "./map_common.ts";
import { appendEach, reject, withFingerprint } from "./map_common.ts";
import type { KeyValue, LogRecord, LogsRequest, Scope } from "./model.ts";
import { asString, attributeMap, attributeRecord, idOrEmpty, validId } from "./values.ts";

/** Log attributes with `error.fingerprint` when the record is error-level. */
export function logAttributes(log: LogRecord): KeyValue[] {
  const fields = { severityNumber: log.severityNumber, severityText: log.severityText };
  if (!isErrorLog(fields)) return log.attributes;
  return withFingerprint(
    log.attributes,
    () => logErrorInput({ ...fields, body: log.body, attributes: attributeRecord(log.attributes) }),
  );
}

/** What the records of one resource and scope share, encoded once for all their rows. */
export interface LogScope {
  service: Uint8Array;
  resource: EncodedMap;
  resourceUrl: Uint8Array;
  scopeUrl: Uint8Array;
  scopeName: Uint8Array;
  scopeVersion: Uint8Array;
  scopeAttributes: EncodedMap;
}

/** What the records of `scope` (of `resource`) share; both ingest paths make it here. */
export function logScope(resource: ResourceRows, scope: Scope, scopeUrl: string): LogScope {
  return {
    service: encodeString(resource.service),
    resource: resource.resource,
    resourceUrl: encodeString(resource.schemaUrl),
    scopeUrl: encodeString(scopeUrl),
    scopeName: encodeString(scope.name),
    scopeVersion: encodeString(scope.version),
    scopeAttributes: encodeMapEntries(attributeMap(scope.attributes)),
  };
}

/** Writes the columns a record takes from its resource and scope; both ingest paths write them here. */
export function appendLogScope(b: LogsBlock, s: LogScope): void {
  b.serviceName.encoded(s.service);
  b.resourceSchemaUrl.encoded(s.resourceUrl);
  b.resourceAttributes.encoded(s.resource);
  b.scopeSchemaUrl.encoded(s.scopeUrl);
  b.scopeName.encoded(s.scopeName);
  b.scopeVersion.encoded(s.scopeVersion);
  b.scopeAttributes.encoded(s.scopeAttributes);
}

/**
 * Appends one log record's row (as the test oracle `mapLogs` in `testing/` maps it) to `b`, or
 * counts it in `out` as rejected. Returns whether a row was appended.
 */
export function appendLog(b: LogsBlock, s: LogScope, log: LogRecord, out: Rejections): boolean {
  if (!validId(log.traceId, 16) || !validId(log.spanId, 8)) {
    reject(out, "log record: trace_id/span_id must be 16/8 bytes");
    return false;
  }
  b.timestamp.nanos(log.time === 0n ? log.observedTime : log.time);
  b.traceId.string(idOrEmpty(log.traceId));
  b.spanId.string(idOrEmpty(log.spanId));
  b.traceFlags.value(log.flags);
  b.severityText.string(log.severityText);
  b.severityNumber.value(log.severityNumber);
  b.body.string(asString(log.body));
  appendLogScope(b, s);
  b.logAttributes.entries(attributeMap(logAttributes(log)));
  b.eventName.string(log.eventName);
  b.endRow();
  return true;
}

/**
 * The records of a request appended to an `otel_logs` block: the same values as the oracle's rows, without a row object per record. Returns the records
 * appended; rejected ones are counted in `out`. On an exception the caller rolls the builder
 * back.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { LOGS_COLUMNS, LogsBlock } from "../sql/tables/otel_logs.ts";
 * import { mapLogsInto } from "./map_logs.ts";
 * const block = new LogsBlock(new NativeBlockBuilder(LOGS_COLUMNS));
 * console.assert(mapLogsInto([], block, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function mapLogsInto(request: LogsRequest, block: LogsBlock, out: Rejections): number {
  return appendEach(request, logScope, (s, log) => appendLog(block, s, log, out));
}
