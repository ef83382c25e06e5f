import assert from "node:assert/strict";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { decodeTracesJson } from "./json.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { mapTracesInto } from "./map_traces.ts";
import { mapTraces } from "../testing/map_traces_oracle.ts";
import { encodeNative, NativeBlockBuilder } from "../sql/native/mod.ts";
import { decodeTracesProto } from "./pb_traces.ts";

const TRACE = "5B8EFFF798038103D269B633813FC60C";
const request = {
  resourceSpans: [{
    resource: {
      attributes: [
        { key: "service.name", value: { stringValue: "checkout" } },
        { key: "host.cpus", value: { intValue: "8" } },
      ],
    },
    scopeSpans: [{
      scope: { name: "my.lib", version: "1.2.3" },
      spans: [{
        traceId: TRACE,
        spanId: "EEE19B7EC3C1B174",
        parentSpanId: "0000000000000000",
        traceState: "k=v",
        name: "GET /cart",
        kind: 2,
        startTimeUnixNano: "1700000000123456789",
        endTimeUnixNano: "1700000000223456789",
        attributes: [
          { key: "http.status_code", value: { intValue: 500 } },
          { key: "ratio", value: { doubleValue: 0.25 } },
          { key: "ok", value: { boolValue: false } },
          {
            key: "tags",
            value: { arrayValue: { values: [{ stringValue: "a" }, { intValue: 1 }] } },
          },
          { key: "blob", value: { bytesValue: "AQID" } },
          {
            key: "m",
            value: { kvlistValue: { values: [{ key: "k", value: { stringValue: "v" } }] } },
          },
          { key: "empty", value: {} },
        ],
        events: [{
          timeUnixNano: "1700000000200000000",
          name: "exception",
          attributes: [
            { key: "exception.type", value: { stringValue: "TypeError" } },
            { key: "exception.message", value: { stringValue: "x is undefined" } },
          ],
        }],
        links: [{
          traceId: "00000000000000000000000000000001",
          spanId: "0000000000000002",
          traceState: "a=b",
          attributes: [{ key: "link.n", value: { intValue: "3" } }],
        }],
        status: { code: 2, message: "boom" },
      }, {
        traceId: TRACE,
        spanId: "00000000000000AA",
        name: "internal",
        kind: "SPAN_KIND_CONSUMER",
        startTimeUnixNano: 5,
        endTimeUnixNano: 3,
      }, {
        traceId: TRACE,
        spanId: "AA",
        name: "bad id",
      }],
    }],
  }],
};

Deno.test("JSON and protobuf decode to the same model", () => {
  const fromJson = decodeTracesJson(JSON.stringify(request));
  const fromProto = decodeTracesProto(encodeTraces(fromJson));
  assert.deepEqual(fromProto, fromJson);
});

Deno.test("spans map to otel_traces rows as the exporter writes them", () => {
  const { rows, rejected, errors } = mapTraces(decodeTracesJson(JSON.stringify(request)));
  assert.equal(rejected, 1, "the span with a 1-byte span id is rejected");
  assert.match(errors[0], /span_id must be 8 bytes/);
  assert.equal(rows.length, 2);
  const [row, second] = rows;
  assert.deepEqual(Object.keys(row), TRACES_COLUMNS.map((c) => c.name));
  assert.equal(row.Timestamp, 1700000000123456789n);
  assert.equal(row.TraceId, TRACE.toLowerCase(), "lower-case hex");
  assert.equal(row.SpanId, "eee19b7ec3c1b174");
  assert.equal(row.ParentSpanId, "", "all-zero id is empty");
  assert.equal(row.TraceState, "k=v");
  assert.equal(row.SpanName, "GET /cart");
  assert.equal(row.SpanKind, "Server");
  assert.equal(second.SpanKind, "Consumer", "enum names accepted in JSON");
  assert.equal(row.ServiceName, "checkout");
  assert.deepEqual(row.ResourceAttributes, [["host.cpus", "8"], ["service.name", "checkout"]]);
  assert.equal(row.ScopeName, "my.lib");
  assert.equal(row.ScopeVersion, "1.2.3");
  const attrs = new Map(row.SpanAttributes as [string, string][]);
  assert.deepEqual([...attrs.keys()], [...attrs.keys()].sort(), "sorted by key");
  assert.equal(attrs.get("http.status_code"), "500");
  assert.equal(attrs.get("ratio"), "0.25");
  assert.equal(attrs.get("ok"), "false");
  assert.equal(attrs.get("tags"), '["a",1]');
  assert.equal(attrs.get("blob"), "AQID");
  assert.equal(attrs.get("m"), '{"k":"v"}');
  assert.equal(attrs.get("empty"), "");
  assert.match(attrs.get("error.fingerprint")!, /^[0-9a-f]{16}$/, "error span fingerprinted");
  assert.equal(row.Duration, 100000000n);
  assert.equal(second.Duration, 2n ** 64n - 2n, "end before start wraps as uint64");
  assert.equal(row.StatusCode, "Error");
  assert.equal(second.StatusCode, "Unset");
  assert.equal(row.StatusMessage, "boom");
  assert.deepEqual(row["Events.Timestamp"], [1700000000200000000n]);
  assert.deepEqual(row["Events.Name"], ["exception"]);
  assert.deepEqual(row["Events.Attributes"], [[["exception.message", "x is undefined"], [
    "exception.type",
    "TypeError",
  ]]]);
  assert.deepEqual(row["Links.TraceId"], ["00000000000000000000000000000001"]);
  assert.deepEqual(row["Links.SpanId"], ["0000000000000002"]);
  assert.deepEqual(row["Links.TraceState"], ["a=b"]);
  assert.deepEqual(row["Links.Attributes"], [[["link.n", "3"]]]);
  assert.deepEqual(second["Events.Name"], []);
  assert.equal(
    new Map(second.SpanAttributes as [string, string][]).has("error.fingerprint"),
    false,
    "no fingerprint on a span without error",
  );
});

Deno.test("unknown span kind and status print as empty strings; fingerprint kept if set", () => {
  const rows = mapTraces([{
    resource: { attributes: [["service.name", 7]], schemaUrl: "" },
    scopes: [{
      scope: { name: "", version: "", attributes: [], droppedAttributesCount: 0 },
      schemaUrl: "",
      items: [{
        traceId: "",
        spanId: "",
        parentSpanId: "",
        traceState: "",
        name: "x",
        kind: 9,
        start: 0n,
        end: 0n,
        attributes: [["error.fingerprint", "mine"]],
        events: [],
        links: [],
        statusCode: 2,
        statusMessage: "",
      }, {
        traceId: "",
        spanId: "",
        parentSpanId: "",
        traceState: "",
        name: "y",
        kind: 1,
        start: 0n,
        end: 0n,
        attributes: [],
        events: [],
        links: [],
        statusCode: 7,
        statusMessage: "",
      }],
    }],
  }]).rows;
  assert.equal(rows[0].SpanKind, "");
  assert.equal(rows[0].ServiceName, "7", "service.name stringified");
  assert.deepEqual(rows[0].SpanAttributes, [["error.fingerprint", "mine"]]);
  assert.equal(rows[1].StatusCode, "");
  assert.equal(rows[1].SpanKind, "Internal");
});

Deno.test("mapTracesInto writes the block that mapTraces' rows encode to", () => {
  const decoded = decodeTracesJson(JSON.stringify(request));
  const twice = [...decoded, ...decoded];
  const builder = new NativeBlockBuilder(TRACES_COLUMNS);
  const out = { rejected: 0, errors: [] as string[] };
  assert.equal(mapTracesInto(twice, new TracesBlock(builder), out), 4);
  const expected = mapTraces(twice);
  assert.deepEqual(out, { rejected: expected.rejected, errors: expected.errors });
  assert.deepEqual(builder.finish(), encodeNative(expected.rows, TRACES_COLUMNS));
});
