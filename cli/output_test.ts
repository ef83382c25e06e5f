import assert from "node:assert/strict";
import { formatDuration, formatTime, palette } from "./format.ts";
import { type Column, csvLines, type Io, printRows, tableLines } from "./output.ts";

function io(colours = false): Io & { out: string } {
  const sink = {
    out: "",
    stdout(text: string) {
      sink.out += text;
    },
    stderr() {},
    colours: palette(colours),
    width: 80,
    env: {},
  };
  return sink;
}

const ROWS = [{ name: "a", n: 1 }, { name: 'say "hi", ok', n: 22 }];
const COLUMNS: Column<typeof ROWS[number]>[] = [
  { header: "N", value: (r) => String(r.n), align: "right", style: (_r, c, p) => p.red(c) },
  { header: "NAME", value: (r) => r.name },
];

Deno.test("tables align, colour only when asked, and CSV quotes", () => {
  assert.deepEqual(tableLines(ROWS, COLUMNS, io()), [" N  NAME", " 1  a", '22  say "hi", ok']);
  const coloured = tableLines(ROWS, COLUMNS, io(true));
  assert.equal(coloured[1], "\x1b[31m 1\x1b[39m  a");
  assert.deepEqual(csvLines(ROWS, COLUMNS), ["N,NAME", "1,a", '22,"say ""hi"", ok"']);
});

Deno.test("json is one array, ndjson one object per line, an empty table prints nothing", () => {
  const a = io();
  printRows(ROWS, COLUMNS, "json", a);
  assert.deepEqual(JSON.parse(a.out), ROWS);
  const b = io();
  printRows(ROWS, COLUMNS, "ndjson", b);
  assert.deepEqual(b.out.trim().split("\n").map((l) => JSON.parse(l)), ROWS);
  const c = io();
  printRows([], COLUMNS, "table", c);
  assert.equal(c.out, "");
});

Deno.test("times in UTC or local, durations with units", () => {
  assert.equal(formatTime("2026-12-01T12:00:00.987654321Z", false), "2026-12-01 12:00:00.987Z");
  assert.match(
    formatTime("2026-12-01T12:00:00Z", true),
    /^2026-12-0\d \d\d:\d\d:00\.000[+-]\d\d:\d\d$/,
  );
  assert.equal(formatDuration(999), "999ns");
  assert.equal(formatDuration(12_345), "12.35µs");
  assert.equal(formatDuration(90_000_000_000), "1.5m");
  assert.equal(formatDuration(null), "-");
});
