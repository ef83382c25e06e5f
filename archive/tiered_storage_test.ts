/**
 * The tiered-storage statements of docs/archiving.md are checked by the
 * engine's parser, and the engine refuses the move rule only for the missing
 * volume (the embedded engine has none), not for its syntax.
 */
import assert from "node:assert/strict";
import { ChdbStore } from "../sql/chdb.ts";

Deno.test("docs/archiving.md's tiered-storage SQL parses", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/archiving.md", import.meta.url));
  const block = /```sql\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, "the page has a SQL block");
  const statements = block.split(";").map((s) => s.trim()).filter((s) => s !== "");
  assert.equal(statements.length, 2);
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-tiered-" });
  const store = await ChdbStore.open({ path: dir });
  try {
    for (const statement of statements) {
      const ast = await store.query<{ explain: string }>(`EXPLAIN AST ${statement}`);
      assert.match(ast[0].explain, /AlterQuery\s+otel_traces/);
    }
    await store.command(
      `CREATE TABLE t (Timestamp DateTime64(9)) ENGINE = MergeTree ORDER BY Timestamp`,
    );
    await assert.rejects(
      () => store.command(statements[1].replace("otel_traces", "t")),
      /No such volume `cold`/,
    );
  } finally {
    await store.close();
  }
});
