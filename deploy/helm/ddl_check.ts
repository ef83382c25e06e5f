/**
 * Checks the cluster-mode DDL that the migration Job runs with the engine's own parser: every
 * statement goes through `EXPLAIN AST` on the embedded ClickHouse engine, and each replicated
 * local table is compared, column for column, with the single-node table of the same migration.
 *
 * @module
 */
import type { Store } from "../../sql/store.ts";
import {
  bootstrapStatements,
  listMigrations,
  type MigrateOptions,
  renderMigration,
} from "../../sql/migrate.ts";

/** One node of an `EXPLAIN AST` tree: its line and its children. */
export interface AstNode {
  /** The node's line, without indentation and without the "(children N)" suffix. */
  label: string;
  /** Child nodes in order. */
  children: AstNode[];
}

/** Parses a statement with the engine and returns the root of its syntax tree. */
export async function explainAst(store: Store, sql: string): Promise<AstNode> {
  const rows = await store.query<{ explain: string }>(`EXPLAIN AST ${sql}`);
  const root: AstNode = { label: "", children: [] };
  const stack: { depth: number; node: AstNode }[] = [{ depth: -1, node: root }];
  for (const { explain } of rows) {
    const depth = explain.length - explain.trimStart().length;
    const node = { label: explain.trim().replace(/ \(children \d+\)$/, ""), children: [] };
    while (stack.at(-1)!.depth >= depth) stack.pop();
    stack.at(-1)!.node.children.push(node);
    stack.push({ depth, node });
  }
  return root.children[0];
}

function child(node: AstNode, label: string): AstNode | undefined {
  return node.children.find((c) => c.label === label || c.label.startsWith(`${label} `));
}

/** A CREATE TABLE's parts, read from its syntax tree. */
export interface TableAst {
  /** Table name. */
  name: string;
  /** The "Columns definition" subtree (columns, indexes, projections), or undefined. */
  columns?: AstNode;
  /** Engine name, e.g. `ReplicatedMergeTree`. */
  engine?: string;
  /** The engine's arguments as AST labels (`Literal '…'`, `Identifier v`). */
  engineArgs: string[];
  /** The rest of the storage definition (PARTITION BY, ORDER BY, TTL, SETTINGS). */
  storage: AstNode[];
}

/** Reads a CREATE TABLE statement's tree; undefined for other statements. */
export function tableAst(root: AstNode): TableAst | undefined {
  const create = /^CreateQuery (\S+) (\S+)$/.exec(root.label);
  if (!create) return undefined;
  const storage = child(root, "Storage definition");
  const engine = storage?.children.find((c) => c.label.startsWith("Function "));
  return {
    name: create[2],
    columns: child(root, "Columns definition"),
    engine: engine?.label.slice("Function ".length),
    engineArgs: engine?.children[0]?.children.map((a) => a.label) ?? [],
    storage: storage?.children.filter((c) => c !== engine) ?? [],
  };
}

/** Column names of a "Columns definition" subtree, in order. */
export function columnNames(columns: AstNode | undefined): string[] {
  const list = columns?.children.find((c) => c.label === "ExpressionList");
  return (list?.children ?? [])
    .filter((c) => c.label.startsWith("ColumnDeclaration "))
    .map((c) => c.label.slice("ColumnDeclaration ".length));
}

/**
 * Column names as the engine stores them: a `Nested` column is one array column per field
 * (`Events.Name`, …), as with the default `flatten_nested = 1`.
 */
export function storedColumnNames(columns: AstNode | undefined): string[] {
  const list = columns?.children.find((c) => c.label === "ExpressionList");
  return (list?.children ?? [])
    .filter((c) => c.label.startsWith("ColumnDeclaration "))
    .flatMap((c) => {
      const name = c.label.slice("ColumnDeclaration ".length);
      const type = c.children[0];
      if (type?.label !== "DataType Nested") return [name];
      return (type.children[0]?.children ?? [])
        .filter((f) => f.label.startsWith("NameTypePair "))
        .map((f) => `${name}.${f.label.slice("NameTypePair ".length)}`);
    });
}

/** Every statement that `tracehouse migrate` runs with these options (bootstrap + migrations). */
export async function migrationStatements(options: MigrateOptions): Promise<string[]> {
  const statements = [...bootstrapStatements(options)];
  for (const migration of await listMigrations()) {
    statements.push(...renderMigration(migration.sql, options));
  }
  return statements;
}

/**
 * Parses the cluster DDL and the single-node DDL of these options with the engine and compares
 * them table by table (see {@linkcode compareStatements}).
 */
export async function compareClusterDdl(
  store: Store,
  options: MigrateOptions & { cluster: string },
): Promise<{ problems: string[]; tables: number; statements: number }> {
  const { cluster: _, ...single } = options;
  return compareStatements(
    store,
    await migrationStatements(single),
    await migrationStatements(options),
    options,
  );
}

/**
 * Compares each single-node table with its cluster counterpart: same columns, indexes and
 * storage clauses; a `Replicated` engine with the replication path and `{replica}`; a
 * Distributed table over it on the same cluster and database. Every statement must parse.
 */
export async function compareStatements(
  store: Store,
  singleStatements: string[],
  clusterStatements: string[],
  options: MigrateOptions & { cluster: string },
): Promise<{ problems: string[]; tables: number; statements: number }> {
  const problems: string[] = [];
  const single = new Map<string, TableAst>();
  const cluster = new Map<string, TableAst>();
  for (const [sqls, into] of [[singleStatements, single], [clusterStatements, cluster]] as const) {
    for (const sql of sqls) {
      const table = tableAst(await explainAst(store, sql));
      if (table) into.set(table.name, table);
    }
  }
  let tables = 0;
  for (const [table, one] of single) {
    if (!one.columns) continue;
    tables++;
    const local = cluster.get(`${table}_local`) ?? cluster.get(table);
    if (!local) {
      problems.push(`${table}: no cluster table`);
      continue;
    }
    if (JSON.stringify(local.columns) !== JSON.stringify(one.columns)) {
      problems.push(`${table}: columns differ from ${local.name}`);
    }
    if (JSON.stringify(local.storage) !== JSON.stringify(one.storage)) {
      problems.push(`${table}: storage clauses differ from ${local.name}`);
    }
    if (local.engine !== `Replicated${one.engine}`) {
      problems.push(`${table}: engine ${local.engine} is not Replicated${one.engine}`);
    } else if (
      !/^Literal '\/clickhouse\/tables\//.test(local.engineArgs[0] ?? "") ||
      local.engineArgs[1] !== "Literal '{replica}'" ||
      JSON.stringify(local.engineArgs.slice(2)) !== JSON.stringify(one.engineArgs)
    ) {
      problems.push(`${table}: ${local.engine} arguments ${local.engineArgs.join(", ")}`);
    }
    if (local.name === table) continue; // shared by every node (the migrations record)
    const distributed = cluster.get(table);
    const args = distributed?.engineArgs ?? [];
    if (
      distributed?.engine !== "Distributed" || args[0] !== `Literal '${options.cluster}'` ||
      args[1] !== `Literal '${options.database}'` || args[2] !== `Literal '${table}_local'`
    ) {
      problems.push(
        `${table}: no Distributed table over ${table}_local on cluster ${options.cluster}`,
      );
    }
  }
  return { problems, tables, statements: clusterStatements.length };
}
