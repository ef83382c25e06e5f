/**
 * Reads the tree ClickHouse's own parser prints for `EXPLAIN AST`: one node per
 * line, indented one space per level, `(children N)` after nodes that have
 * children. This is the engine's parse of a statement, not a second grammar;
 * this module only checks that the printout is a well-formed tree.
 *
 * The printout is not escaped everywhere: identifiers appear raw, so a name
 * with a newline in it can add lines that look like nodes. Every such line
 * breaks the tree's shape (a child under a leaf, one child too many, a second
 * root, an unknown node type), and a broken shape is refused, never guessed at.
 *
 * @module
 */

/** One node of the engine's AST printout. */
export interface AstNode {
  /** Node type as the engine names it: `SelectQuery`, `Function`, `TableIdentifier`, … */
  type: string;
  /** What follows the type on its line (a name, a literal, `(alias …)`); may be empty. */
  detail: string;
  children: AstNode[];
}

/** Node types of a read: a SELECT with its expressions, tables and joins, or a DESCRIBE. */
export const READ_NODE_TYPES: readonly string[] = [
  "SelectWithUnionQuery",
  "SelectIntersectExceptQuery",
  "SelectQuery",
  "ExpressionList",
  "TablesInSelectQueryElement",
  "TablesInSelectQuery",
  "TableExpression",
  "TableIdentifier",
  "TableJoin",
  "ArrayJoin",
  "Identifier",
  "Literal",
  "Function",
  "Asterisk",
  "QualifiedAsterisk",
  "ColumnsListMatcher",
  "ColumnsRegexpMatcher",
  "QualifiedColumnsListMatcher",
  "QualifiedColumnsRegexpMatcher",
  "Subquery",
  "WithElement",
  "OrderByElement",
  "LimitByElement",
  "InterpolateElement",
  "WindowDefinition",
  "WindowListElement",
  "SampleRatio",
  "DescribeQuery",
];

/** Node types that print a detail after their name. Types with spaces come first. */
const NODE_TYPES = [
  "Columns definition",
  "Storage definition",
  ...READ_NODE_TYPES,
  "Set",
  "InsertQuery",
  "ExistsTableQuery",
  "CreateQuery",
  "DropQuery",
  "ColumnDeclaration",
  "DataType",
  "NameTypePair",
  "Index",
  "TTLElement",
  "Projection",
  "ProjectionSelectQuery",
];

const CHILDREN = / \(children (\d+)\)$/;

/**
 * Parses an `EXPLAIN AST` printout into its tree. Throws a `SyntaxError` when
 * the printout is not exactly one well-formed tree of known node types.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAstDump } from "./ast.ts";
 * const tree = parseAstDump("SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Literal UInt64_1\n");
 * assert.equal(tree.children[0].children[0].type, "Literal");
 * assert.throws(() => parseAstDump("Identifier a\n Literal UInt64_1\n"), SyntaxError);
 * ```
 */
export function parseAstDump(dump: string): AstNode {
  const lines = dump.endsWith("\n") ? dump.slice(0, -1).split("\n") : dump.split("\n");
  let at = 0;
  function node(depth: number): AstNode {
    const line = lines[at++];
    if (line === undefined) throw new SyntaxError("AST printout ends early");
    const indent = /^ */.exec(line)![0].length;
    if (indent !== depth || /^\s/.test(line.slice(indent))) {
      throw new SyntaxError(`AST printout line ${at} is not where the tree puts it`);
    }
    let text = line.slice(indent);
    const count = CHILDREN.exec(text);
    const expected = count ? Number(count[1]) : 0;
    if (count) text = text.slice(0, count.index);
    const type = NODE_TYPES.find((t) => text === t || text.startsWith(`${t} `));
    if (type === undefined) throw new SyntaxError(`Unknown AST node on line ${at}`);
    const children: AstNode[] = [];
    for (let i = 0; i < expected; i++) children.push(node(depth + 1));
    return { type, detail: text.slice(type.length).trim(), children };
  }
  const root = node(0);
  if (at !== lines.length) throw new SyntaxError("AST printout has more than one tree");
  return root;
}

/**
 * The name a node's detail starts with: what precedes ` (alias …)`. Names
 * with spaces cannot be told apart from the alias text, so only plain names
 * (and `db.name`) are returned; anything else gives `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detailName } from "./ast.ts";
 * assert.equal(detailName("count (alias n)"), "count");
 * assert.equal(detailName("system.tables"), "system.tables");
 * assert.equal(detailName("we ird"), undefined);
 * ```
 */
export function detailName(detail: string): string | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)( \(alias .*\))?$/.exec(
    detail,
  );
  return match?.[1];
}

/** Every node of `tree`, depth first, with its parent. */
export function* walk(
  tree: AstNode,
  parent?: AstNode,
): Generator<{ node: AstNode; parent?: AstNode }> {
  yield { node: tree, parent };
  for (const child of tree.children) yield* walk(child, tree);
}
