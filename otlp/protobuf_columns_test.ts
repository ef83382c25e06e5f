import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { logRequest, spanRequest } from "../testing/otlp_payloads.ts";
import { NativeBlockBuilder } from "../sql/native/mod.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../sql/schema.ts";
import { LogsBlock } from "../sql/tables/otel_logs.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { encodeLogs, encodeTraces } from "../testing/otlp_encode.ts";
import { mapLogsInto } from "./map_logs.ts";
import { mapTracesInto } from "./map_traces.ts";
import { type AnyValue, KvList, type LogRecord, type ResourceGroup, type Span } from "./model.ts";
import { decodeLogsProto } from "./pb_logs.ts";
import { decodeTracesProto } from "./pb_traces.ts";
import { decodeLogsProtoInto, decodeTracesProtoInto } from "./protobuf_columns.ts";

const rand = random(4);
const int = (n: number) => Math.floor(rand() * n);
const hex = (bytes: number) =>
  Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, "0")).join("");

/** The block (or error) of the model path and of the fast path for `body`. */
function both(body: Uint8Array, logs = false) {
  const run = (fast: boolean) => {
    const builder = new NativeBlockBuilder(logs ? LOGS_COLUMNS : TRACES_COLUMNS);
    const out = { rejected: 0, errors: [] as string[] };
    try {
      const n = logs
        ? fast
          ? decodeLogsProtoInto(body, new LogsBlock(builder), out)
          : mapLogsInto(decodeLogsProto(body), new LogsBlock(builder), out)
        : fast
        ? decodeTracesProtoInto(body, new TracesBlock(builder), out)
        : mapTracesInto(decodeTracesProto(body), new TracesBlock(builder), out);
      return { n, out, block: builder.finish() };
    } catch (error) {
      return { error };
    }
  };
  return { model: run(false), fast: run(true) };
}

const VALUES: (() => AnyValue)[] = [
  () => `v${int(1000)}`,
  () => "",
  () => "ünïcode ✓",
  () => int(2) === 0,
  () => int(1e6) - 5e5,
  () => 2n ** 63n - BigInt(int(1000)),
  () => -(2n ** 62n),
  () => rand() * 1e3,
  () => [-0, NaN, Infinity, 1e21, 1e-7][int(5)],
  () => null,
  () => new Uint8Array([1, 2, 3]),
  () => ["a", 1],
  () => new KvList([["b", 1], ["a", "x"]]),
];
const KEYS = ["http.route", "a", "ab", "abc", "abcd", "abcde", "abcd\u0000", "z", "k.é", "", "dup"];

function attributes(n: number): [string, AnyValue][] {
  return Array.from({ length: n }, () => [KEYS[int(KEYS.length)], VALUES[int(VALUES.length)]()]);
}

function randomSpan(): Span {
  const start = BigInt(int(2 ** 31)) * 1_000_000_000n + BigInt(int(1e9));
  const idOf = (bytes: number) =>
    [hex(bytes), "", "00".repeat(bytes), hex(bytes), hex(bytes)][int(5)];
  return {
    traceId: int(40) === 0 ? hex(3) : idOf(16),
    spanId: idOf(8),
    parentSpanId: idOf(8),
    traceState: ["", "k=v", "ü=1"][int(3)],
    name: ["GET /", "", "naïve"][int(3)],
    kind: int(8) - 1,
    start,
    end: int(10) === 0 ? start - 5n : start + BigInt(int(1e9)),
    attributes: attributes(int(18)),
    events: Array.from({ length: int(3) }, () => ({
      time: start + BigInt(int(1000)),
      name: ["db", "exception", "", "cache"][int(4)],
      attributes: attributes(int(4)),
    })),
    links: int(10) === 0
      ? [{ traceId: hex(16), spanId: hex(8), traceState: "", attributes: attributes(1) }]
      : [],
    statusCode: int(4),
    statusMessage: ["", "boom"][int(2)],
  };
}

function randomRequest(): ResourceGroup<Span>[] {
  return Array.from({ length: 1 + int(2) }, () => ({
    resource: { attributes: attributes(int(5)), schemaUrl: "" },
    scopes: Array.from({ length: 1 + int(2) }, () => ({
      scope: { name: "lib", version: "1", attributes: [], droppedAttributesCount: 0 },
      schemaUrl: "",
      items: Array.from({ length: int(20) }, randomSpan),
    })),
  }));
}

Deno.test("decodeTracesProtoInto writes the rows of decodeTracesProto + mapTracesInto", () => {
  const bodies = [
    encodeTraces(spanRequest(random(1), 300, 1_700_000_000_000_000_000n)),
    ...Array.from({ length: 300 }, () => encodeTraces(randomRequest())),
  ];
  for (const body of bodies) {
    const { model, fast } = both(body);
    assert.ok(!("error" in model) && !("error" in fast), String(fast.error ?? model.error));
    assert.equal(fast.n, model.n);
    assert.deepEqual(fast.out, model.out);
    assert.deepEqual(fast.block, model.block);
  }
});

Deno.test("decodeTracesProtoInto never accepts a body the model decoder rejects", () => {
  const seeds = Array.from({ length: 40 }, () => encodeTraces(randomRequest()));
  let agreed = 0;
  for (let i = 0; i < 4000; i++) {
    const body = seeds[int(seeds.length)].slice();
    for (let m = 1 + int(4); m > 0; m--) {
      const at = int(body.length);
      if (int(2) === 0) body[at] = int(256);
      else body[at] ^= 1 << int(8);
    }
    const cut = int(5) === 0 ? body.subarray(0, int(body.length)) : body;
    const { model, fast } = both(cut);
    if ("error" in fast) continue; // the caller then runs the model path
    assert.ok(!("error" in model), `fast path accepted what the model rejects: ${model.error}`);
    assert.equal(fast.n, model.n);
    assert.deepEqual(fast.out, model.out);
    assert.deepEqual(fast.block, model.block);
    agreed++;
  }
  assert.ok(agreed > 100, `only ${agreed} mutants decoded`);
});

function randomLog(): LogRecord {
  const idOf = (bytes: number) => [hex(bytes), "", "00".repeat(bytes), hex(bytes)][int(4)];
  const time = BigInt(int(2 ** 31)) * 1_000_000_000n;
  return {
    time: int(4) === 0 ? 0n : time,
    observedTime: int(4) === 0 ? 0n : time + 7n,
    severityNumber: int(26) - 1,
    severityText: ["", "INFO", "ERROR", "error", "Wärn"][int(5)],
    body: VALUES[int(VALUES.length)](),
    attributes: attributes(int(15)),
    flags: int(2 ** 16),
    traceId: int(30) === 0 ? hex(5) : idOf(16),
    spanId: idOf(8),
    eventName: ["", "login", "ünï"][int(3)],
  };
}

function randomLogs(): ResourceGroup<LogRecord>[] {
  return Array.from({ length: 1 + int(2) }, () => ({
    resource: { attributes: attributes(int(5)), schemaUrl: ["", "https://s/1", "ü"][int(3)] },
    scopes: Array.from({ length: 1 + int(2) }, () => ({
      scope: {
        name: "log",
        version: "2",
        attributes: attributes(int(3)),
        droppedAttributesCount: 0,
      },
      schemaUrl: ["", "https://scope"][int(2)],
      items: Array.from({ length: int(20) }, randomLog),
    })),
  }));
}

Deno.test("decodeLogsProtoInto writes the rows of decodeLogsProto + mapLogsInto", () => {
  const bodies = [
    encodeLogs(logRequest(random(2), 300, 1_700_000_000_000_000_000n)),
    ...Array.from({ length: 300 }, () => encodeLogs(randomLogs())),
  ];
  for (const body of bodies) {
    const { model, fast } = both(body, true);
    assert.ok(!("error" in model) && !("error" in fast), String(fast.error ?? model.error));
    assert.equal(fast.n, model.n);
    assert.deepEqual(fast.out, model.out);
    assert.deepEqual(fast.block, model.block);
  }
});

Deno.test("decodeLogsProtoInto never accepts a body the model decoder rejects", () => {
  const seeds = Array.from({ length: 40 }, () => encodeLogs(randomLogs()));
  let agreed = 0;
  for (let i = 0; i < 4000; i++) {
    const body = seeds[int(seeds.length)].slice();
    for (let m = 1 + int(4); m > 0; m--) {
      const at = int(body.length);
      if (int(2) === 0) body[at] = int(256);
      else body[at] ^= 1 << int(8);
    }
    const cut = int(5) === 0 ? body.subarray(0, int(body.length)) : body;
    const { model, fast } = both(cut, true);
    if ("error" in fast) continue;
    assert.ok(!("error" in model), `fast path accepted what the model rejects: ${model.error}`);
    assert.equal(fast.n, model.n);
    assert.deepEqual(fast.out, model.out);
    assert.deepEqual(fast.block, model.block);
    agreed++;
  }
  assert.ok(agreed > 100, `only ${agreed} mutants decoded`);
});
