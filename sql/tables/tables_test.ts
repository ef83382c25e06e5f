import assert from "node:assert/strict";
import { decodeNative, encodeMapEntries, encodeString, NativeBlockBuilder } from "../native/mod.ts";
import { TABLE_COLUMNS } from "../schema.ts";
import { StringWriter, UInt8Writer } from "./column_writers.ts";
import { LOGS_COLUMNS, LogsBlock } from "./otel_logs.ts";
import { TRACES_COLUMNS, TracesBlock } from "./otel_traces.ts";
import { TableBlock } from "./table_block.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

function decoded(builder: NativeBlockBuilder): Record<string, unknown>[] {
  const { columns, rows } = decodeNative(builder.finish().slice());
  assert.deepEqual(columns.map((c) => c.name), builder.columns.map((c) => c.name));
  return rows;
}

Deno.test("tables: every insertable column of otel_traces and otel_logs has exactly one writer", () => {
  assert.equal(TABLE_COLUMNS.otel_traces, TRACES_COLUMNS);
  assert.equal(TABLE_COLUMNS.otel_logs, LOGS_COLUMNS);
  assert.deepEqual(new TracesBlock(new NativeBlockBuilder(TRACES_COLUMNS)).unwritten(), []);
  assert.deepEqual(new LogsBlock(new NativeBlockBuilder(LOGS_COLUMNS)).unwritten(), []);
  // A column added to the list without a writer: no block is made.
  const added = [...TRACES_COLUMNS, { name: "Extra", type: "String" }];
  assert.throws(
    () => new TracesBlock(new NativeBlockBuilder(added)),
    /No writer for the block's columns Extra/,
  );
  // A writer whose column is gone from the list fails when the block is made.
  assert.throws(
    () => new LogsBlock(new NativeBlockBuilder(LOGS_COLUMNS.filter((c) => c.name !== "Body"))),
    /no column "Body"/,
  );
});

Deno.test("tables: a writer refuses a column of another type, and a column takes one writer", () => {
  const builder = new NativeBlockBuilder([
    { name: "Name", type: "LowCardinality(String)" },
    { name: "Flags", type: "UInt32" },
  ]);
  class Twice extends TableBlock {
    readonly a = this.column("Name", StringWriter);
    readonly b = this.column("Name", StringWriter);
  }
  assert.throws(() => new Twice(builder), /"Name" has two writers/);
  class WrongType extends TableBlock {
    readonly flags = this.column("Flags", UInt8Writer);
  }
  assert.throws(() => new WrongType(builder), /"Flags" is UInt32, not UInt8/);
  class NotAnArray extends TableBlock {
    readonly names = this.array("Name", StringWriter);
  }
  assert.throws(() => new NotAnArray(builder), /"Name" is String, not an Array/);
});

Deno.test("tables: an otel_traces row written through TracesBlock decodes to its values", () => {
  const builder = new NativeBlockBuilder(TRACES_COLUMNS);
  const b = new TracesBlock(builder);
  const wire = ascii("xx" + "\x01\x02\x03\x04\x05\x06\x07\x08" + "op");
  // Every kind of append: values, bytes of a request, encoded once, entry by entry.
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigInt64(0, 1_700_000_000_000_000_123n, true);
  b.timestamp.le64(time, 0);
  b.traceId.string("0102030405060708090a0b0c0d0e0f10");
  b.spanId.hexId(wire, 2, 10);
  b.parentSpanId.empty();
  b.traceState.string("k=v");
  b.spanName.utf8(wire, 10, 12);
  b.spanKind.encoded(encodeString("Server"));
  b.serviceName.string("api");
  b.resourceAttributes.encoded(encodeMapEntries([["service.name", "api"]]));
  b.scopeName.string("lib");
  b.scopeVersion.string("1.0");
  b.spanAttributes.keys.string("a");
  b.spanAttributes.values.string("1");
  b.spanAttributes.keys.utf8(wire, 10, 12);
  b.spanAttributes.values.string("2");
  b.spanAttributes.end(2);
  b.duration.halves(5, 1);
  b.statusCode.string("Ok");
  b.statusMessage.string("");
  b.eventTimestamps.items.nanos(7n);
  b.eventNames.items.string("retry");
  b.eventAttributes.items.entries([["n", "1"]]);
  b.endEvents(1);
  b.linkTraceIds.items.string("aa");
  b.linkSpanIds.items.string("bb");
  b.linkTraceStates.items.string("");
  b.linkAttributes.items.entries([]);
  b.endLinks(1);
  b.endRow();
  // A second row: the zero time and empty arrays.
  b.timestamp.zero();
  for (const w of Object.values(b)) if (w instanceof StringWriter) w.empty();
  b.resourceAttributes.entries([]);
  b.spanAttributes.entries([]);
  b.duration.value(0n);
  b.endEvents(0);
  b.endLinks(0);
  b.endRow();
  const expected = {
    "Timestamp": 1_700_000_000_000_000_123n,
    "TraceId": "0102030405060708090a0b0c0d0e0f10",
    "SpanId": "0102030405060708",
    "ParentSpanId": "",
    "TraceState": "k=v",
    "SpanName": "op",
    "SpanKind": "Server",
    "ServiceName": "api",
    "ResourceAttributes": [["service.name", "api"]],
    "ScopeName": "lib",
    "ScopeVersion": "1.0",
    "SpanAttributes": [["a", "1"], ["op", "2"]],
    "Duration": 5n + 2n ** 32n,
    "StatusCode": "Ok",
    "StatusMessage": "",
    "Events.Timestamp": [7n],
    "Events.Name": ["retry"],
    "Events.Attributes": [[["n", "1"]]],
    "Links.TraceId": ["aa"],
    "Links.SpanId": ["bb"],
    "Links.TraceState": [""],
    "Links.Attributes": [[]],
  };
  const empty = {
    ...Object.fromEntries(Object.keys(expected).map((k) => [k, ""])),
    "Timestamp": 0n,
    "ResourceAttributes": [],
    "SpanAttributes": [],
    "Duration": 0n,
    ...Object.fromEntries(Object.keys(expected).filter((k) => k.includes(".")).map((k) => [k, []])),
  };
  assert.deepEqual(decoded(builder), [expected, empty]);
});

Deno.test("tables: an otel_logs row written through LogsBlock decodes to its values", () => {
  const builder = new NativeBlockBuilder(LOGS_COLUMNS);
  const b = new LogsBlock(builder);
  b.timestamp.nanos(42n);
  b.traceId.string("");
  b.spanId.hexId(new Uint8Array(8), 0, 8); // all zeros: empty, as the exporter writes it
  b.traceFlags.value(0x101);
  b.severityText.string("INFO");
  b.severityNumber.value(9);
  b.serviceName.string("api");
  b.body.utf8(ascii("[hello]"), 1, 6);
  b.resourceSchemaUrl.string("https://opentelemetry.io/schemas/1.26.0");
  b.resourceAttributes.entries([["service.name", "api"]]);
  b.scopeSchemaUrl.empty();
  b.scopeName.string("log");
  b.scopeVersion.string("2");
  b.scopeAttributes.encoded(encodeMapEntries([["s", "t"]]));
  b.logAttributes.entries([["user", "ünï"]]);
  b.eventName.string("login");
  b.endRow();
  assert.deepEqual(decoded(builder), [{
    "Timestamp": 42n,
    "TraceId": "",
    "SpanId": "",
    "TraceFlags": 1,
    "SeverityText": "INFO",
    "SeverityNumber": 9,
    "ServiceName": "api",
    "Body": "hello",
    "ResourceSchemaUrl": "https://opentelemetry.io/schemas/1.26.0",
    "ResourceAttributes": [["service.name", "api"]],
    "ScopeSchemaUrl": "",
    "ScopeName": "log",
    "ScopeVersion": "2",
    "ScopeAttributes": [["s", "t"]],
    "LogAttributes": [["user", "ünï"]],
    "EventName": "login",
  }]);
});
