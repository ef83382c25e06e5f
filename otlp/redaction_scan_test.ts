import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { NativeBlockBuilder } from "../sql/native/mod.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../sql/schema.ts";
import { LogsBlock } from "../sql/tables/otel_logs.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { vectorRequests } from "../tests/redaction_vectors.ts";
import { encodeLogs, encodeTraces } from "../testing/otlp_encode.ts";
import { decodeLogsJson, decodeTracesJson } from "./json.ts";
import { mapLogsInto } from "./map_logs.ts";
import { mapTracesInto } from "./map_traces.ts";
import type { KeyValue, LogsRequest, TracesRequest } from "./model.ts";
import { decodeLogsProto } from "./pb_logs.ts";
import { decodeTracesProto } from "./pb_traces.ts";
import { decodeLogsProtoInto, decodeTracesProtoInto } from "./protobuf_columns.ts";
import { RecordPolicy } from "./record_policy.ts";
import { isSecretKey, redactText, STATEMENT_KEYS } from "./redaction.ts";
import { mayRedactKey, mayRedactValue } from "./redaction_scan.ts";

const rand = random(12);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const encoder = new TextEncoder();
const FRAGMENTS = [
  "Bearer ",
  "bAsIc  ",
  "digest\t",
  "bear",
  "://",
  ":/",
  "u:p@",
  "@",
  "/",
  "password",
  "PassWd",
  "secret",
  "token",
  "tok",
  "api_key",
  "api-key",
  "apikey",
  "API.key",
  "api",
  "=",
  ": ",
  "'",
  '"',
  "4111",
  "1111",
  "5500",
  "0000",
  " ",
  "-",
  "12",
  "7",
  "x",
  "hello",
  "&",
  ";",
  "#",
  ",",
  "é",
];

/** A random ASCII-ish string built from the rules' own pieces. */
function text(): string {
  let s = "";
  const n = Math.floor(rand() * 10);
  for (let i = 0; i < n; i++) s += pick(FRAGMENTS);
  return s;
}

Deno.test("mayRedactValue / mayRedactKey never miss what a rule changes", () => {
  let changed = 0, clean = 0;
  for (let i = 0; i < 20_000; i++) {
    const s = text();
    const b = encoder.encode(s);
    if (redactText(s) !== s) {
      changed++;
      assert.ok(mayRedactValue(b, 0, b.length), `value ${JSON.stringify(s)}`);
    } else if (!mayRedactValue(b, 0, b.length)) clean++;
    const key = `${pick(["", "app.", "http.request.header.", "x_", "db."])}${pick(FRAGMENTS)}${
      pick(["", "password", "token", "key", "statement", "query.text", "Secret"])
    }`;
    const k = encoder.encode(key);
    if (isSecretKey(key) || STATEMENT_KEYS.includes(key)) {
      assert.ok(mayRedactKey(k, 0, k.length), `key ${JSON.stringify(key)}`);
    }
  }
  // The checks are useful too: plenty of clean text passes them.
  assert.ok(changed > 2_000 && clean > 2_000, `${changed} changed, ${clean} clean`);
  for (const s of ["4111-1111-1111-1", "4111111111111", "x://y", "a API-KEY=1", "DIGEST"]) {
    const b = encoder.encode(s);
    assert.ok(mayRedactValue(b, 0, b.length), s);
  }
});

function attributes(n: number): KeyValue[] {
  return Array.from({ length: n }, () => {
    const key = pick([
      "url.full",
      "note",
      "db.statement",
      "user.password",
      "http.route",
      "a.token",
    ]);
    return [key, rand() < 0.2 ? Math.floor(rand() * 100) : text()] as KeyValue;
  });
}

function secretTraces(count: number): TracesRequest {
  const base = spanRequest(rand, count, 1_700_000_000_000_000_000n);
  for (const group of base) {
    for (const { items } of group.scopes) {
      for (const span of items) {
        if (rand() < 0.5) span.attributes = [...span.attributes, ...attributes(3)];
        if (rand() < 0.3) span.statusMessage = text();
        for (const e of span.events) if (rand() < 0.5) e.attributes = attributes(2);
      }
    }
  }
  return base;
}

function secretLogs(count: number): LogsRequest {
  const base = logRequest(rand, count, 1_700_000_000_000_000_000n);
  for (const group of base) {
    for (const { items } of group.scopes) {
      for (const log of items) {
        if (rand() < 0.5) log.attributes = [...log.attributes, ...attributes(3)];
        if (rand() < 0.5) log.body = text();
      }
    }
  }
  return base;
}

/** The fast path's block and the model path's block for `body`, both redacting. */
function blocks(body: Uint8Array, logs: boolean) {
  const columns = logs ? LOGS_COLUMNS : TRACES_COLUMNS;
  const out = () => ({ rejected: 0, errors: [] as string[] });
  const fast = new NativeBlockBuilder(columns);
  const model = new NativeBlockBuilder(columns);
  if (logs) {
    decodeLogsProtoInto(body, new LogsBlock(fast), out(), new RecordPolicy({ redact: true }));
    const request = decodeLogsProto(body);
    new RecordPolicy({ redact: true }).logs(request);
    mapLogsInto(request, new LogsBlock(model), out());
  } else {
    decodeTracesProtoInto(body, new TracesBlock(fast), out(), new RecordPolicy({ redact: true }));
    const request = decodeTracesProto(body);
    new RecordPolicy({ redact: true }).traces(request);
    mapTracesInto(request, new TracesBlock(model), out());
  }
  return { fast: fast.finish(), model: model.finish() };
}

Deno.test("with redaction on, the fast path writes the blocks the model path writes", () => {
  const vectors = vectorRequests(1_700_000_000_000_000_000n);
  const bodies: [Uint8Array, boolean][] = [
    [encodeTraces(decodeTracesJson(JSON.stringify(vectors.traces))), false],
    [encodeLogs(decodeLogsJson(JSON.stringify(vectors.logs))), true],
    [encodeTraces(spanRequest(rand, 200, 1_700_000_000_000_000_000n)), false],
    [encodeLogs(logRequest(rand, 200, 1_700_000_000_000_000_000n)), true],
  ];
  for (let i = 0; i < 20; i++) {
    bodies.push([encodeTraces(secretTraces(50)), false], [encodeLogs(secretLogs(50)), true]);
  }
  for (const [body, logs] of bodies) {
    const { fast, model } = blocks(body, logs);
    assert.deepEqual(fast, model);
  }
});
