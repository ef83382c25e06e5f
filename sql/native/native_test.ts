import assert from "node:assert/strict";
import {
  type ArrayColumn,
  codecFor,
  decodeNative,
  encodeMapEntries,
  encodeNative,
  type MapColumn,
  NativeBlockBuilder,
  type ScalarColumn,
} from "./mod.ts";

Deno.test("native: header types drop LowCardinality and keep the rest", () => {
  assert.equal(codecFor("LowCardinality(String)", "c").headerType, "String");
  assert.equal(
    codecFor("Array(Map(LowCardinality(String), String))", "c").headerType,
    "Array(Map(String, String))",
  );
  assert.equal(codecFor("DateTime64(9)", "c").headerType, "DateTime64(9)");
  assert.equal(codecFor("Nullable(Float64)", "c").headerType, "Nullable(Float64)");
});

Deno.test("native: a block has the layout ClickHouse reads", () => {
  const block = encodeNative([{ n: 1, s: "hé" }, { n: 300, s: "" }], [
    { name: "n", type: "UInt16" },
    { name: "s", type: "String" },
  ]);
  // columns, rows, then per column: name, type, values
  const expected = [
    2,
    2,
    1,
    ..."n".split("").map((c) => c.charCodeAt(0)),
    6,
    ...new TextEncoder().encode("UInt16"),
    1,
    0,
    44,
    1,
    1,
    ..."s".split("").map((c) => c.charCodeAt(0)),
    6,
    ...new TextEncoder().encode("String"),
    3,
    0x68,
    0xc3,
    0xa9,
    0,
  ];
  assert.deepEqual([...block], expected);
});

Deno.test("native: rows of different shapes, key orders and extra keys encode by column name", () => {
  const columns = [
    { name: "a", type: "UInt8" },
    { name: "b", type: "String" },
    { name: "m", type: "Map(String, String)" },
  ];
  const rows: Record<string, unknown>[] = [
    { a: 1, b: "x", m: { k: "v" } },
    { b: "y", a: 2, m: {} }, // same keys, another order
    { a: 3 }, // missing columns take their defaults
    { extra: true, m: { k2: "v2" }, a: 4, b: "z" }, // a key no column has
    { a: 5, b: "w", m: { k: "v" } }, // the first shape again
  ];
  const expected = [
    { a: 1, b: "x", m: { k: "v" } },
    { a: 2, b: "y", m: {} },
    { a: 3, b: "", m: {} },
    { a: 4, b: "z", m: { k2: "v2" } },
    { a: 5, b: "w", m: { k: "v" } },
  ];
  const { rows: decoded } = decodeNative(encodeNative(rows, columns));
  assert.deepEqual(
    decoded.map((r) => ({ ...r, m: Object.fromEntries(r.m as [string, string][]) })),
    expected,
  );
});

Deno.test("native: 64-bit values accept bigint, integer strings and numbers", () => {
  const block = encodeNative([{ v: 2n ** 63n - 1n }, { v: "18446744073709551615" }, { v: 5 }], [
    { name: "v", type: "UInt64" },
  ]);
  const view = new DataView(block.buffer, block.byteOffset + block.length - 24);
  assert.equal(view.getBigUint64(0, true), 2n ** 63n - 1n);
  assert.equal(view.getBigUint64(8, true), 2n ** 64n - 1n);
  assert.equal(view.getBigUint64(16, true), 5n);
});

Deno.test("native: unsupported types and bad values are TypeErrors naming the column", () => {
  assert.throws(() => codecFor("Decimal(10, 2)", "price"), /Unsupported column type.*"price"/);
  assert.throws(
    () => encodeNative([{ d: "soon" }], [{ name: "d", type: "UInt64" }]),
    (e: Error) => e instanceof TypeError && /"d"/.test(e.message),
  );
  assert.throws(
    () => encodeNative([{ f: "x" }], [{ name: "f", type: "Float64" }]),
    /Cannot encode "x" as a number for "f"/,
  );
});

Deno.test("native: long and non-ASCII strings carry a multi-byte length", () => {
  const text = "ü".repeat(100); // 200 bytes in UTF-8
  const block = encodeNative([{ s: text }], [{ name: "s", type: "String" }]);
  const tail = block.subarray(block.length - 202);
  assert.deepEqual([tail[0], tail[1]], [200 & 0x7f | 0x80, 1]);
  assert.equal(new TextDecoder().decode(tail.subarray(2)), text);
});

const ALL_TYPES = [
  { name: "s", type: "LowCardinality(String)" },
  { name: "u8", type: "UInt8" },
  { name: "i32", type: "Int32" },
  { name: "u64", type: "UInt64" },
  { name: "i64", type: "Int64" },
  { name: "f", type: "Float64" },
  { name: "b", type: "Bool" },
  { name: "dt", type: "DateTime" },
  { name: "ts", type: "DateTime64(9)" },
  { name: "n", type: "Nullable(String)" },
  { name: "a", type: "Array(DateTime64(9))" },
  { name: "m", type: "Map(LowCardinality(String), String)" },
  { name: "am", type: "Array(Map(LowCardinality(String), String))" },
];

function mixedRow(i: number): Record<string, unknown> {
  return {
    s: i % 2 ? `ü${i}` : "x".repeat(i * 40),
    u8: i,
    i32: -i,
    u64: 2n ** 64n - BigInt(i + 1),
    i64: i % 2 ? -5 : `${i}`,
    f: i / 3,
    b: i % 2 === 0,
    dt: 1_700_000_000 + i,
    ts: i % 2 ? new Date(1_700_000_000_000) : 1_700_000_000_000_000_000n + BigInt(i),
    n: i % 2 ? null : "v",
    a: [BigInt(i), 2n],
    m: i % 2 ? { k: "v", [`k${i}`]: "w" } : [["z", "1"], ["a", "2"]],
    am: i % 3 ? [] : [{ x: "y" }, new Map([["p", "q"]])],
  };
}

Deno.test("native: NativeBlockBuilder.appendRow writes the bytes encodeNative writes", () => {
  const rows = Array.from({ length: 7 }, (_, i) => mixedRow(i));
  const builder = new NativeBlockBuilder(ALL_TYPES);
  for (const row of rows) builder.appendRow(row);
  assert.deepEqual(builder.finish(), encodeNative(rows, ALL_TYPES));
  assert.equal(builder.rows, 7);
});

Deno.test("native: typed appends, rollback and decodeNative", () => {
  const columns = [
    { name: "s", type: "String" },
    { name: "m", type: "Map(LowCardinality(String), String)" },
    { name: "e", type: "Array(Map(LowCardinality(String), String))" },
  ];
  const builder = new NativeBlockBuilder(columns);
  const s = builder.column("s") as ScalarColumn;
  const m = builder.column("m") as MapColumn;
  const e = builder.column("e") as ArrayColumn;
  const shared = encodeMapEntries([["a", "1"], ["b", "ü"]]);
  s.out.string("one");
  m.encoded(shared);
  (e.inner as MapColumn).strings([["k", "v"]]);
  (e.inner as MapColumn).strings([]);
  e.close(2);
  builder.endRow();
  const mark = builder.mark();
  s.out.string("half-written");
  m.strings([["x", "y"]]);
  builder.rollback(mark);
  s.out.string("two");
  m.strings([["c", "3"]]);
  e.empty();
  builder.endRow();
  const block = builder.finish();
  assert.deepEqual(
    block,
    encodeNative([
      { s: "one", m: [["a", "1"], ["b", "ü"]], e: [[["k", "v"]], []] },
      { s: "two", m: [["c", "3"]], e: [] },
    ], columns),
  );
  assert.deepEqual(decodeNative(block).rows, [
    { s: "one", m: [["a", "1"], ["b", "ü"]], e: [[["k", "v"]], []] },
    { s: "two", m: [["c", "3"]], e: [] },
  ]);
  assert.deepEqual(decodeNative(block).columns.map((c) => c.type), [
    "String",
    "Map(String, String)",
    "Array(Map(String, String))",
  ]);
  assert.throws(() => builder.column("nope"), /no column "nope"/);
});

Deno.test("native: decodeNative reads every type back", () => {
  const { rows } = decodeNative(encodeNative([mixedRow(1)], ALL_TYPES));
  assert.equal(rows[0].u64, 2n ** 64n - 2n);
  assert.equal(rows[0].i64, -5n);
  assert.equal(rows[0].b, false);
  assert.equal(rows[0].n, null);
  assert.equal(rows[0].ts, 1_700_000_000_000_000_000n);
  assert.deepEqual(rows[0].m, [["k", "v"], ["k1", "w"]]);
});

Deno.test("native: appendRange copies a row range of another builder, offsets rebased", () => {
  const columns = [
    { name: "s", type: "String" },
    { name: "n", type: "UInt64" },
    { name: "tags", type: "Array(String)" },
    { name: "attrs", type: "Map(LowCardinality(String), String)" },
    { name: "events", type: "Array(Map(String, String))" },
    { name: "maybe", type: "Nullable(String)" },
  ];
  const row = (i: number) => ({
    s: `row ${i} é`,
    n: BigInt(i) * 10_000_000_000n,
    tags: Array.from({ length: i % 3 }, (_, k) => `t${k}`),
    attrs: Object.fromEntries(Array.from({ length: i % 4 }, (_, k) => [`k${k}`, `v${i}`])),
    events: Array.from({ length: i % 2 + 1 }, (_, k) => ({ e: `${i}.${k}` })),
    maybe: i % 2 ? null : `m${i}`,
  });
  const source = new NativeBlockBuilder(columns);
  for (let i = 0; i < 3; i++) source.appendRow(row(i));
  const from = source.mark();
  for (let i = 3; i < 8; i++) source.appendRow(row(i));
  const to = source.mark();
  source.appendRow(row(8));
  const target = new NativeBlockBuilder(columns);
  target.appendRow(row(100));
  target.appendRange(source, from, to);
  target.appendRow(row(101));
  const expected = new NativeBlockBuilder(columns);
  for (const i of [100, 3, 4, 5, 6, 7, 101]) expected.appendRow(row(i));
  assert.deepEqual(target.finish(), expected.finish());
});

Deno.test("reset keeps grown buffers up to a bound and gives larger ones back", () => {
  const columns = [
    { name: "Body", type: "String" },
    { name: "Tags", type: "Array(LowCardinality(String))" },
  ];
  const block = new NativeBlockBuilder(columns);
  const small = block.capacity;
  const fill = () => {
    for (let i = 0; i < 20_000; i++) {
      block.appendRow({ Body: `row ${i} ${"x".repeat(200)}`, Tags: ["a", "b"] });
    }
  };
  fill();
  const first = block.finish().slice();
  const grown = block.capacity;
  assert.ok(grown > 20_000 * 200, `capacity ${grown}`);
  // Within the bound: the buffers stay, and the next block is written into them.
  assert.equal(block.reset(grown).capacity, grown);
  fill();
  assert.equal(block.capacity, grown);
  assert.deepEqual(block.finish(), first);
  // Past the bound: back to the initial buffers, and the builder still writes the same block.
  block.reset(grown - 1);
  assert.equal(block.rows, 0);
  assert.equal(block.capacity, small);
  fill();
  assert.deepEqual(block.finish(), first);
});
