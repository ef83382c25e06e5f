/**
 * Maps decoded log records to `otel_logs` rows exactly as the contrib `clickhouseexporter`
 * (`exporter_logs.go`, v0.161.0, with the `EventName` column) appends them, plus
 * `error.fingerprint` on error-level records. Row keys are the column names of `LOGS_COLUMNS` in
 * `sql/schema.ts`.
 *
 * @module
 */
import { isErrorLog, logErrorInput } from "./error_fingerprint.ts";
import type {
  ByteWriter,
  EncodedMap,
  MapColumn,
  NativeBlockBuilder,
  ScalarColumn,
} from "../sql/native/mod.ts";
import { encodeMapEntries } from "../sql/native/mod.ts";
import { appendEach, reject, type Rejections, withFingerprint } from "./map_common.ts";
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

/** The columns of an `otel_logs` block, looked up once per request. */
export class LogColumns {
  readonly timestamp: ByteWriter;
  readonly traceId: ByteWriter;
  readonly spanId: ByteWriter;
  readonly traceFlags: ByteWriter;
  readonly severityText: ByteWriter;
  readonly severityNumber: ByteWriter;
  readonly serviceName: ByteWriter;
  readonly body: ByteWriter;
  readonly resourceSchemaUrl: ByteWriter;
  readonly resourceAttributes: MapColumn;
  readonly scopeSchemaUrl: ByteWriter;
  readonly scopeName: ByteWriter;
  readonly scopeVersion: ByteWriter;
  readonly scopeAttributes: MapColumn;
  readonly logAttributes: MapColumn;
  readonly eventName: ByteWriter;

  constructor(readonly builder: NativeBlockBuilder) {
    const scalar = (name: string) => (builder.column(name) as ScalarColumn).out;
    const map = (name: string) => builder.column(name) as MapColumn;
    this.timestamp = scalar("Timestamp");
    this.traceId = scalar("TraceId");
    this.spanId = scalar("SpanId");
    this.traceFlags = scalar("TraceFlags");
    this.severityText = scalar("SeverityText");
    this.severityNumber = scalar("SeverityNumber");
    this.serviceName = scalar("ServiceName");
    this.body = scalar("Body");
    this.resourceSchemaUrl = scalar("ResourceSchemaUrl");
    this.resourceAttributes = map("ResourceAttributes");
    this.scopeSchemaUrl = scalar("ScopeSchemaUrl");
    this.scopeName = scalar("ScopeName");
    this.scopeVersion = scalar("ScopeVersion");
    this.scopeAttributes = map("ScopeAttributes");
    this.logAttributes = map("LogAttributes");
    this.eventName = scalar("EventName");
  }
}

/** What the records of one resource and scope share. */
export interface LogContext {
  service: string;
  resource: EncodedMap;
  resourceUrl: string;
  scope: Scope;
  scopeUrl: string;
  scopeAttributes: EncodedMap;
}

/**
 * Appends one log record's row (as the test oracle `mapLogs` in `testing/` maps it) to `c`, or counts it in `out`
 * as rejected. Returns whether a row was appended.
 */
export function appendLog(
  c: LogColumns,
  ctx: LogContext,
  log: LogRecord,
  out: Rejections,
): boolean {
  if (!validId(log.traceId, 16) || !validId(log.spanId, 8)) {
    reject(out, "log record: trace_id/span_id must be 16/8 bytes");
    return false;
  }
  c.timestamp.i64(log.time === 0n ? log.observedTime : log.time);
  c.traceId.string(idOrEmpty(log.traceId));
  c.spanId.string(idOrEmpty(log.spanId));
  c.traceFlags.u8(log.flags & 0xff);
  c.severityText.string(log.severityText);
  c.severityNumber.u8(log.severityNumber & 0xff);
  c.serviceName.string(ctx.service);
  c.body.string(asString(log.body));
  c.resourceSchemaUrl.string(ctx.resourceUrl);
  c.resourceAttributes.encoded(ctx.resource);
  c.scopeSchemaUrl.string(ctx.scopeUrl);
  c.scopeName.string(ctx.scope.name);
  c.scopeVersion.string(ctx.scope.version);
  c.scopeAttributes.encoded(ctx.scopeAttributes);
  c.logAttributes.strings(attributeMap(logAttributes(log)));
  c.eventName.string(log.eventName);
  c.builder.endRow();
  return true;
}

/**
 * The records of a request straight into the columns of an `otel_logs` block (built with
 * `LOGS_COLUMNS`): the same values, without a row object per record. Returns the records
 * appended; rejected ones are counted in `out`. On an exception the caller rolls the builder
 * back.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
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
  const c = new LogColumns(builder);
  return appendEach(
    request,
    ({ service, resource, schemaUrl }, { scope, schemaUrl: scopeUrl }): LogContext => ({
      service,
      resource,
      resourceUrl: schemaUrl,
      scope,
      scopeUrl,
      scopeAttributes: encodeMapEntries(attributeMap(scope.attributes)),
    }),
    (ctx, log) => appendLog(c, ctx, log, out),
  );
}
