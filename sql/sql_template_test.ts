import assert from "node:assert/strict";
import { and, ident, join, Param, param, render, Sql, sql, type SqlPart } from "./sql_template.ts";

Deno.test("sql template: values become numbered typed placeholders", () => {
  const name = "x' OR 1=1 --";
  const q = render(
    sql`SELECT * FROM t WHERE a = ${param("String", name)} AND b > ${param("UInt64", 5)}`,
  );
  assert.equal(q.query, "SELECT * FROM t WHERE a = {p0:String} AND b > {p1:UInt64}");
  assert.deepEqual(q.params, { p0: name, p1: 5 });
});

Deno.test("sql template: nested fragments, join and and() number in order", () => {
  const conds = [sql`x = ${param("String", "a")}`, sql`y IN ${param("Array(String)", ["b"])}`];
  const q = render(
    sql`SELECT 1 WHERE ${and(conds)} ORDER BY ${join([ident("a", ["a"]), ident("b", ["b"])])}`,
  );
  assert.equal(
    q.query,
    "SELECT 1 WHERE x = {p0:String} AND y IN {p1:Array(String)} ORDER BY `a`, `b`",
  );
  assert.equal(render(and([])).query, "1");
});

Deno.test("sql template: identifiers only from the allow-list", () => {
  assert.throws(() => ident("otel_logs; DROP TABLE x", ["otel_logs"]), /not allowed/);
  assert.throws(() => ident("a`b", ["a`b"]), /Invalid identifier/);
});

Deno.test("sql template: raw values and unknown types are refused at run time", () => {
  const untyped = "1; DROP TABLE t" as unknown as SqlPart;
  assert.throws(() => sql`SELECT ${untyped}`, /Cannot interpolate a raw string/);
  assert.throws(() => new Param("String) UNION SELECT" as "String", "x"), /Unsupported/);
  assert.ok(sql`SELECT 1` instanceof Sql);
});
