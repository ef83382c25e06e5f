import assert from "node:assert/strict";
import { NativeBlockBuilder } from "../sql/native/mod.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { decodeTracesProtoInto } from "./protobuf_columns.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { random } from "../bench/span_rows.ts";
import {
  applyWindow,
  dayOf,
  retentionByTable,
  rowsAfter,
  rowSeconds,
  type TimeWindow,
} from "./time_partitions.ts";

const DAY_NS = 86_400_000_000_000n;

function block(starts: bigint[]): NativeBlockBuilder {
  const groups = spanRequest(random(1), starts.length, 0n);
  groups[0].scopes[0].items.forEach((span, i) => {
    span.start = starts[i];
    span.end = starts[i] + 5n;
  });
  const builder = new NativeBlockBuilder(TRACES_COLUMNS);
  decodeTracesProtoInto(encodeTraces(groups), new TracesBlock(builder), {
    rejected: 0,
    errors: [],
  });
  return builder;
}

Deno.test("rowSeconds reads DateTime64(9) times of the rows after a position; dayOf is the UTC day", () => {
  const now = 1_780_000_000_123_456_789n;
  const builder = block([now, now - DAY_NS, now + 1n]);
  const seconds = rowSeconds(builder, "Timestamp", 1);
  assert.equal(seconds.length, 2);
  assert.ok(Math.abs(seconds[0] - (1_780_000_000.123456789 - 86_400)) < 1e-5);
  assert.equal(dayOf(seconds[0]) + 1, dayOf(seconds[1]));
  assert.equal(dayOf(-1), -1);
  assert.throws(() => rowSeconds(builder, "SpanName", 0), /not a DateTime64\(9\) or DateTime/);
});

Deno.test("rowsAfter decodes rows that appendRow writes back byte for byte", () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const builder = block([now, now - 1n, now - 2n, now - 3n]);
  const again = new NativeBlockBuilder(TRACES_COLUMNS);
  for (const row of rowsAfter(builder, new NativeBlockBuilder(TRACES_COLUMNS).mark())) {
    again.appendRow(row);
  }
  assert.deepEqual(again.finish(), builder.finish());
});

Deno.test("applyWindow counts past and future rows; reject takes them out of the block, keep does not", () => {
  const nowMs = 1_780_000_000_000;
  const now = BigInt(nowMs) * 1_000_000n;
  const starts = [now - 8n * DAY_NS, now, now + 2n * 3_600_000_000_000n, now - DAY_NS];
  const window = (policy: "reject" | "keep"): TimeWindow => ({
    retentionDays: retentionByTable({ traces: 7, logs: 7, metrics: 30 }),
    maxFutureMinutes: 60,
    policy,
  });
  const kept = block(starts);
  const mark = new NativeBlockBuilder(TRACES_COLUMNS).mark();
  assert.deepEqual(applyWindow(kept, "otel_traces", mark, window("keep"), nowMs), {
    past: 1,
    future: 1,
  });
  assert.equal(kept.rows, 4);
  const rejected = block(starts);
  assert.deepEqual(applyWindow(rejected, "otel_traces", mark, window("reject"), nowMs), {
    past: 1,
    future: 1,
  });
  assert.deepEqual(
    rowSeconds(rejected, "Timestamp", 0).map((s) => Math.round(s * 1000)),
    [nowMs, nowMs - 86_400_000],
  );
  // A table without a time column, or without rows after the mark, is left alone.
  assert.deepEqual(applyWindow(rejected, "other", mark, window("reject"), nowMs), {
    past: 0,
    future: 0,
  });
});
