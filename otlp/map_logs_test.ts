import assert from "node:assert/strict";
import { encodeLogs } from "../testing/otlp_encode.ts";
import { decodeLogsJson } from "./json.ts";
import { LOGS_COLUMNS } from "../sql/schema.ts";
import { LogsBlock } from "../sql/tables/otel_logs.ts";
import { mapLogsInto } from "./map_logs.ts";
import { mapLogs } from "../testing/map_logs_oracle.ts";
import { encodeNative, NativeBlockBuilder } from "../sql/native/mod.ts";
import { decodeLogsProto } from "./pb_logs.ts";

const request = {
  resourceLogs: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "api" } }] },
    schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
    scopeLogs: [{
      scope: {
        name: "logger",
        version: "2.0",
        attributes: [{ key: "scope.k", value: { boolValue: true } }],
      },
      schemaUrl: "https://scope/schema",
      logRecords: [{
        timeUnixNano: "1700000000000000001",
        observedTimeUnixNano: "1700000000000000002",
        severityNumber: 17,
        severityText: "ERROR",
        body: { stringValue: "payment failed for order 42" },
        attributes: [{ key: "exception.type", value: { stringValue: "PaymentError" } }],
        flags: 257,
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b174",
        eventName: "payment.failed",
      }, {
        observedTimeUnixNano: "1700000000000000009",
        severityNumber: "SEVERITY_NUMBER_INFO2",
        body: { kvlistValue: { values: [{ key: "b", value: { intValue: 2 } }] } },
      }, {
        timeUnixNano: "1",
        traceId: "0102",
      }],
    }],
  }],
};

Deno.test("log JSON and protobuf decode to the same model", () => {
  const fromJson = decodeLogsJson(JSON.stringify(request));
  assert.deepEqual(decodeLogsProto(encodeLogs(fromJson)), fromJson);
});

Deno.test("log records map to otel_logs rows as the exporter writes them", () => {
  const { rows, rejected } = mapLogs(decodeLogsJson(JSON.stringify(request)));
  assert.equal(rejected, 1, "2-byte trace id rejected");
  const [row, second] = rows;
  assert.deepEqual(Object.keys(row), LOGS_COLUMNS.map((c) => c.name));
  assert.equal(row.Timestamp, 1700000000000000001n);
  assert.equal(second.Timestamp, 1700000000000000009n, "falls back to observed time");
  assert.equal(row.TraceId, "5b8efff798038103d269b633813fc60c");
  assert.equal(row.SpanId, "eee19b7ec3c1b174");
  assert.equal(second.TraceId, "");
  assert.equal(row.TraceFlags, 1, "uint8(flags)");
  assert.equal(row.SeverityText, "ERROR");
  assert.equal(row.SeverityNumber, 17);
  assert.equal(second.SeverityNumber, 10, "severity enum names accepted");
  assert.equal(row.ServiceName, "api");
  assert.equal(row.Body, "payment failed for order 42");
  assert.equal(second.Body, '{"b":2}', "structured body as JSON");
  assert.equal(row.ResourceSchemaUrl, "https://opentelemetry.io/schemas/1.26.0");
  assert.deepEqual(row.ResourceAttributes, [["service.name", "api"]]);
  assert.equal(row.ScopeSchemaUrl, "https://scope/schema");
  assert.equal(row.ScopeName, "logger");
  assert.equal(row.ScopeVersion, "2.0");
  assert.deepEqual(row.ScopeAttributes, [["scope.k", "true"]]);
  const attrs = new Map(row.LogAttributes as [string, string][]);
  assert.equal(attrs.get("exception.type"), "PaymentError");
  assert.match(attrs.get("error.fingerprint")!, /^[0-9a-f]{16}$/);
  assert.deepEqual(second.LogAttributes, [], "info record not fingerprinted");
  assert.equal(row.EventName, "payment.failed");
});

Deno.test("mapLogsInto writes the block that mapLogs' rows encode to", () => {
  const decoded = decodeLogsJson(JSON.stringify(request));
  const twice = [...decoded, ...decoded];
  const builder = new NativeBlockBuilder(LOGS_COLUMNS);
  const out = { rejected: 0, errors: [] as string[] };
  assert.equal(mapLogsInto(twice, new LogsBlock(builder), out), 4);
  const expected = mapLogs(twice);
  assert.deepEqual(out, { rejected: expected.rejected, errors: expected.errors });
  assert.deepEqual(builder.finish(), encodeNative(expected.rows, LOGS_COLUMNS));
});
