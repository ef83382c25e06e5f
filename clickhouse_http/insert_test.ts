import assert from "node:assert/strict";
import { ClickHouseError } from "../sql/store.ts";
import { parseStatement, renderInsertFromFile, type Statement } from "./insert.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const parse = (text: string): Statement => parseStatement(bytes(text));

function insertOf(text: string) {
  const statement = parse(text);
  assert.equal(statement.kind, "insert", text);
  return (statement as Extract<Statement, { kind: "insert" }>).insert;
}

Deno.test("insert prefix: the shapes clients send", () => {
  // clickhouse-go (clickhouseexporter): double-quoted names, one column per line.
  const go = insertOf(
    'INSERT INTO "otel"."otel_traces" (\n    Timestamp,\n    Events.Name\n) FORMAT Native\n',
  );
  assert.deepEqual(go.table, ["otel", "otel_traces"]);
  assert.deepEqual(go.columns, ["Timestamp", "Events.Name"]);
  assert.equal(go.format, "Native");
  // @clickhouse/client: backquoted names.
  const js = insertOf("INSERT INTO `db`.`t` (`a b`, `c``d`) FORMAT JSONEachRow");
  assert.deepEqual(js.columns, ["a b", "c`d"]);
  const plain = insertOf("-- comment\n/* block */ insert into table t format TSV");
  assert.deepEqual(plain.table, ["t"]);
  assert.deepEqual(plain.columns, []);
  const settings = insertOf(
    "INSERT INTO t SETTINGS async_insert = 1, log_comment = 'x,y' FORMAT CSV",
  );
  assert.deepEqual(settings.settings, { async_insert: "1", log_comment: "x,y" });
  assert.equal(insertOf("INSERT INTO t VALUES (1)").format, "Values");
});

Deno.test("insert prefix: where the data starts", () => {
  const at = (text: string) => insertOf(text).dataOffset;
  // After the first newline following the format name…
  assert.equal(at("INSERT INTO t FORMAT Native\n\n\x01"), 28);
  assert.equal(at("INSERT INTO t FORMAT TSV  \r\n1"), 28);
  // …or after the whitespace when there is no newline.
  assert.equal(at("INSERT INTO t FORMAT TSV   1\t2"), 27);
  assert.equal(at("INSERT INTO t VALUES (1)"), 21);
  // Binary data right after the newline is not part of the prefix, even if it looks like text.
  const data = insertOf("INSERT INTO t FORMAT RowBinary\n FORMAT x");
  assert.equal(data.dataOffset, 31);
});

Deno.test("insert prefix: statements that are not inserts with data", () => {
  assert.deepEqual(parse("  SELECT 1"), { kind: "sql", keyword: "SELECT" });
  assert.deepEqual(parse("INSERT INTO t SELECT * FROM u"), { kind: "sql", keyword: "INSERT" });
  assert.deepEqual(parse("INSERT INTO t (a) WITH 1 AS x SELECT x"), {
    kind: "sql",
    keyword: "INSERT",
  });
  assert.deepEqual(parse("INSERT INTO FUNCTION file('x') SELECT 1"), {
    kind: "sql",
    keyword: "INSERT",
  });
  assert.deepEqual(parse(""), { kind: "incomplete" });
  assert.deepEqual(parse("INSERT INTO t (a, b"), { kind: "incomplete" });
  assert.deepEqual(parse("INSERT INTO t FORMAT"), { kind: "incomplete" });
});

Deno.test("insert prefix: malformed inserts are syntax errors", () => {
  for (
    const text of [
      "INSERT t FORMAT TSV",
      "INSERT INTO (a) FORMAT TSV",
      "INSERT INTO t (a b) FORMAT TSV",
      "INSERT INTO t FORMAT 'TSV'",
      "INSERT INTO `t FORMAT TSV",
    ]
  ) {
    assert.throws(() => parse(text), (e) => e instanceof ClickHouseError && e.code === 62, text);
  }
});

Deno.test("insert from file: identifiers quoted, the path is ours", () => {
  const insert = insertOf('INSERT INTO "d"."t" (`we``ird`, b.c) FORMAT Native');
  assert.equal(
    renderInsertFromFile(insert, "/data/x/1.data"),
    "INSERT INTO `d`.`t` (`we\\`ird`, `b.c`) FROM INFILE '/data/x/1.data' COMPRESSION 'none' FORMAT Native",
  );
  assert.throws(() => renderInsertFromFile(insert, "/tmp/it's"), TypeError);
});
