/**
 * Schema changes, for an endpoint started with `allowSchemaChanges` (a trusted
 * client that owns its schema, such as Tracehouse's remote engine in tests):
 * `CREATE DATABASE name` without an engine, `CREATE TABLE` with columns and an
 * engine from {@linkcode TABLE_ENGINES} (no table `SETTINGS`, no `AS SELECT`,
 * functions from the function list, codecs and index types from
 * {@linkcode DDL_FUNCTIONS}), and `DROP TABLE` of a table the engine lists.
 *
 * @module
 */
import type { ChdbStore } from "../sql/chdb.ts";
import { type AstNode, detailName, walk } from "./ast.ts";
import type { Classified } from "./classify.ts";
import { EndpointError, refused } from "./errors.ts";
import { DDL_FUNCTIONS, type FunctionPolicy, TABLE_ENGINES } from "./policy.ts";

/** What a schema check needs from the endpoint. */
export interface SchemaContext {
  store: ChdbStore;
  functions: FunctionPolicy;
  /** Whether a request may create, drop or use tables in `database`. */
  databaseAllowed(database: string): boolean;
}

const DDL_NODES = new Set([
  "CreateQuery",
  "DropQuery",
  "Identifier",
  "Literal",
  "Function",
  "ExpressionList",
  "Columns definition",
  "ColumnDeclaration",
  "DataType",
  "NameTypePair",
  "Index",
  "TTLElement",
  "Storage definition",
]);

/**
 * Checks a `CreateQuery` or `DropQuery` tree; returns the statement to run
 * (empty for `DROP TABLE IF EXISTS` of a table that does not exist).
 */
export async function checkSchemaChange(
  tree: AstNode,
  canonical: string,
  database: string,
  context: SchemaContext,
): Promise<Classified> {
  const create = /^CREATE (TABLE|DATABASE) (IF NOT EXISTS )?/.exec(canonical);
  const drop = /^DROP TABLE (IF EXISTS )?/.exec(canonical);
  if (!create && !drop) throw refused("this schema change");
  const names = tree.children.filter((c) => c.type === "Identifier").map((c) => c.detail);
  if (create?.[1] === "DATABASE") {
    if (tree.children.length !== 1 || names.length !== 1) {
      throw refused("CREATE DATABASE with an engine or options");
    }
    if (!context.databaseAllowed(names[0])) throw refused(`database ${names[0]}`);
    return { kind: "schema", sql: canonical };
  }
  const db = names.length === 2 ? names[0] : database;
  if (names.length === 0 || names.length > 2 || !context.databaseAllowed(db)) {
    throw refused(`tables of ${db}`);
  }
  if (drop) {
    if (tree.children.length !== names.length) throw refused("this DROP form");
    // Only tables the engine lists: a name it does not would be looked up as a file.
    const table = names.at(-1)!;
    const found = await context.store.query<{ engine: string }>(
      "SELECT engine FROM system.tables WHERE database = {d:String} AND name = {t:String}",
      { params: { d: db, t: table } },
    );
    if (found.length === 0) {
      if (drop[1]) return { kind: "schema", sql: "" };
      throw new EndpointError("UNKNOWN_TABLE", `Table ${db}.${table} does not exist`);
    }
    if (!TABLE_ENGINES.has(found[0].engine)) throw refused(`dropping a ${found[0].engine} table`);
    return { kind: "schema", sql: canonical };
  }
  const parts = tree.children.map((c) => c.type);
  if (!parts.includes("Columns definition") || !parts.includes("Storage definition")) {
    throw refused("CREATE TABLE without columns and ENGINE");
  }
  for (const { node, parent } of walk(tree)) {
    if (node.type === "Set") throw refused("table SETTINGS");
    if (!DDL_NODES.has(node.type)) throw refused(`${node.type} in CREATE TABLE`);
    if (node.type !== "Function") continue;
    const name = detailName(node.detail);
    if (name === undefined) throw refused("a function whose name cannot be read");
    if (parent?.type === "Storage definition" && parent.children[0] === node) {
      if (!TABLE_ENGINES.has(name)) throw refused(`table engine ${name}`);
    } else if (!context.functions.allows(name) && !DDL_FUNCTIONS.has(name)) {
      throw refused(`function ${name}()`);
    }
  }
  const storage = tree.children.find((c) => c.type === "Storage definition");
  if (storage?.children[0]?.type !== "Function") throw refused("CREATE TABLE without ENGINE");
  return { kind: "schema", sql: canonical };
}
