import assert from "node:assert/strict";
import { codecFor, encodeNative } from "./native.ts";

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
