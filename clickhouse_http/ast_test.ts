import assert from "node:assert/strict";
import { detailName, parseAstDump } from "./ast.ts";

Deno.test("ast: reads the engine's printout into a tree", () => {
  const tree = parseAstDump(
    "SelectWithUnionQuery (children 2)\n" +
      " ExpressionList (children 1)\n" +
      "  SelectQuery (children 2)\n" +
      "   ExpressionList (children 1)\n" +
      "    Function count (alias n) (children 1)\n" +
      "     ExpressionList\n" +
      "   TablesInSelectQuery (children 1)\n" +
      "    TablesInSelectQueryElement (children 1)\n" +
      "     TableExpression (children 1)\n" +
      "      TableIdentifier default.otel_logs\n" +
      " Identifier JSONEachRow\n",
  );
  assert.equal(tree.children[1].detail, "JSONEachRow");
  const select = tree.children[0].children[0];
  assert.equal(select.children[0].children[0].detail, "count (alias n)");
  assert.equal(
    select.children[1].children[0].children[0].children[0].detail,
    "default.otel_logs",
  );
});

Deno.test("ast: names with line breaks cannot forge nodes", () => {
  // An identifier `a\n Literal 'x'` prints as two lines: one child too many.
  assert.throws(
    () =>
      parseAstDump(
        "SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Identifier a\n  Literal 'x'\n",
      ),
    SyntaxError,
  );
  // …or a child under a leaf, or a line out of place, or a second root.
  for (
    const dump of [
      "Identifier a\n Literal 'x'\n",
      "ExpressionList (children 1)\n   Identifier a\n",
      "Identifier a\nIdentifier b\n",
      "ExpressionList (children 2)\n Identifier a\n",
      "Mystery node\n",
      "ExpressionList (children 1)\n\tIdentifier a\n",
    ]
  ) {
    assert.throws(() => parseAstDump(dump), SyntaxError, JSON.stringify(dump));
  }
});

Deno.test("ast: only plain names are read from a node's detail", () => {
  assert.equal(detailName("file"), "file");
  assert.equal(detailName("file (alias x)"), "file");
  assert.equal(detailName("system.one (alias o)"), "system.one");
  for (const detail of ["/etc/passwd", "a b", "fіle", "", "a.b.c", "x\u200by"]) {
    assert.equal(detailName(detail), undefined, detail);
  }
});
