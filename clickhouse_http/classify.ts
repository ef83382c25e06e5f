/**
 * Decides what a request's statement is, with ClickHouse's own parser, and
 * refuses everything that is not on the allow-list:
 *
 * 1. `formatQuerySingleLine({q:String})` with the text as a bound parameter:
 *    the engine parses it (one statement only: it refuses multi-statements)
 *    and prints it back canonically (no comments, one quoting and escaping
 *    style). Only this canonical text ever runs.
 * 2. `EXPLAIN AST <canonical>`: the engine's parse tree, read by `ast.ts`.
 * 3. The tree is checked against allow-lists (`policy.ts`): reads (`SELECT`,
 *    `DESCRIBE`) over the database's own tables and some `system` tables,
 *    with functions the engine files as pure computations and a few
 *    row-generating table functions, no `SETTINGS`, no `INTO OUTFILE`;
 *    inserts `INSERT INTO t [(cols)] FORMAT F` into allowed tables, whose
 *    shape is confirmed by rendering the statement anew and asking the engine
 *    whether both print the same; schema changes only when enabled.
 *
 * Reads then run with `readonly = 1` (see `settings.ts`), so table functions
 * that reach files or hosts, writes and setting changes are also refused by
 * the engine itself.
 *
 * @module
 */
import type { ChdbStore } from "../sql/chdb.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";
import { type AstNode, detailName, parseAstDump, READ_NODE_TYPES, walk } from "./ast.ts";
import { EndpointError, refused } from "./errors.ts";
import { findDataOffset, MAX_STATEMENT_BYTES } from "./insert_split.ts";
import { checkSchemaChange } from "./schema_change.ts";
import {
  ENGINE_DATABASES,
  type FunctionPolicy,
  SYSTEM_TABLES,
  TABLE_ENGINES,
  TABLE_FUNCTIONS,
} from "./policy.ts";
import { PLAIN_NAME } from "../sql/identifiers.ts";

/** An insert the endpoint runs itself, with data from the request body. */
export interface InsertTarget {
  database: string;
  table: string;
  /** Column names (`Events.Name` for a nested column); empty for all columns. */
  columns: string[];
  format: string;
}

/** A table a statement names. */
interface TableRef {
  database: string;
  table: string;
}

/** What a statement is, once the engine has parsed and the allow-lists have passed it. */
export type Classified =
  | { kind: "read"; sql: string; format?: string }
  | { kind: "insert"; insert: InsertTarget; canonical: string }
  | { kind: "schema"; sql: string };

/** Options of {@linkcode Classifier}. */
export interface ClassifierOptions {
  /** The store's own database: reads and inserts are confined to it. */
  database: string;
  /** Tables of {@linkcode database} that inserts may target. */
  insertTables: ReadonlySet<string>;
  /**
   * Also accept `CREATE DATABASE`, `CREATE TABLE` (engines of
   * {@linkcode TABLE_ENGINES}), `DROP TABLE`, and reads and inserts in any
   * database but the engine's own. For a trusted client that owns the schema.
   */
  allowSchemaChanges: boolean;
}

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const READ_NODES: ReadonlySet<string> = new Set(READ_NODE_TYPES);
const STATEMENT_NODES = new Set([
  "SelectWithUnionQuery",
  "DescribeQuery",
  "InsertQuery",
  "CreateQuery",
  "DropQuery",
]);
/** Engines of tables a read may name: data in the database's own storage. */
const READ_ENGINES = /^(\w*MergeTree|Memory|Null|View|MaterializedView|Dictionary)$/;
const IN_FUNCTIONS = new Set(["in", "notIn", "globalIn", "globalNotIn", "nullIn", "notNullIn"]);

/** Entries of the classification cache: clients send the same statements again and again. */
const CACHE_SIZE = 512;
/** Statements longer than this are not cached. */
const CACHE_TEXT_LIMIT = 16_384;

/** Parses and classifies statements with the engine; see the module doc. */
export class Classifier {
  #store: ChdbStore;
  #functions: FunctionPolicy;
  #options: ClassifierOptions;
  // Verdicts depend only on the text, the database, the parameters and the allow-lists, which
  // do not change while the endpoint runs; refusals are not cached.
  #verdicts = new Map<string, Classified>();
  #offsets = new Map<string, number>();

  constructor(store: ChdbStore, functions: FunctionPolicy, options: ClassifierOptions) {
    this.#store = store;
    this.#functions = functions;
    this.#options = options;
  }

  /** Whether a request may name `database` as its current database. */
  databaseAllowed(database: string): boolean {
    if (database === this.#options.database) return true;
    return this.#options.allowSchemaChanges && PLAIN_NAME.test(database) &&
      !ENGINE_DATABASES.has(database);
  }

  /** The engine's canonical single-line text of `text`; throws its syntax error otherwise. */
  async canonical(text: string): Promise<string> {
    if (new TextEncoder().encode(text).length > MAX_STATEMENT_BYTES) {
      throw new EndpointError(
        "QUERY_IS_TOO_LARGE",
        `Query is larger than ${MAX_STATEMENT_BYTES} bytes`,
      );
    }
    try {
      const { data } = await this.#store.execute(
        "SELECT formatQuerySingleLine({q:String}) SETTINGS readonly = 1",
        "RawBLOB",
        { params: { q: text } },
      );
      return new TextDecoder().decode(data);
    } catch (error) {
      throw withoutWrapper(error);
    }
  }

  /**
   * Classifies `text` (one statement) for a request whose current database is
   * `database` and whose bound parameters are `params`.
   */
  async classify(
    text: string,
    database: string,
    params: Record<string, string>,
  ): Promise<Classified> {
    const key = text.length <= CACHE_TEXT_LIMIT
      ? JSON.stringify([text, database, params])
      : undefined;
    const known = key === undefined ? undefined : this.#verdicts.get(key);
    if (known !== undefined) return known;
    const verdict = await this.#classify(text, database, params);
    if (key !== undefined && verdict.kind !== "schema") remember(this.#verdicts, key, verdict);
    return verdict;
  }

  /** Forgets every verdict: tables they were checked against may have changed. */
  schemaChanged(): void {
    this.#verdicts.clear();
  }

  async #classify(
    text: string,
    database: string,
    params: Record<string, string>,
  ): Promise<Classified> {
    const canonical = await this.canonical(text);
    const { data } = await this.#store.execute(`EXPLAIN AST ${canonical}`, "TSVRaw", {
      boundParams: params,
    });
    const dump = new TextDecoder().decode(data);
    const root = /^(\w+)/.exec(dump)?.[1];
    if (root === undefined || !STATEMENT_NODES.has(root)) {
      throw refused(`${canonical.split(" ", 1)[0]} statements`);
    }
    let tree: AstNode;
    try {
      tree = parseAstDump(dump);
    } catch (error) {
      throw refused(`the statement's parse tree is ambiguous (${(error as Error).message})`);
    }
    switch (tree.type) {
      case "SelectWithUnionQuery": {
        const tables: TableRef[] = [];
        const format = this.#checkSelect(tree, database, tables);
        await this.#checkTablesExist(tables);
        return { kind: "read", sql: canonical, format };
      }
      case "DescribeQuery": {
        if (!canonical.startsWith("DESCRIBE TABLE ")) throw refused("this DESCRIBE form");
        const tables: TableRef[] = [];
        this.#checkRead(tree, database, tables);
        await this.#checkTablesExist(tables);
        return { kind: "read", sql: canonical };
      }
      case "InsertQuery":
        return await this.#checkInsert(tree, canonical, database);
      case "CreateQuery":
      case "DropQuery":
        if (!this.#options.allowSchemaChanges) throw refused("schema changes");
        return await checkSchemaChange(tree, canonical, database, {
          store: this.#store,
          functions: this.#functions,
          databaseAllowed: (db) => this.databaseAllowed(db),
        });
      default:
        throw refused(`${canonical.split(" ", 1)[0]} statements`);
    }
  }

  /**
   * Where the data of an insert starts in `bytes` (the statement followed by
   * its data): the engine is asked which prefix parses to the same statement,
   * trying each place the format name occurs. Then ClickHouse's rule: spaces,
   * then at most one line break.
   */
  async insertDataOffset(bytes: Uint8Array, classified: Classified): Promise<number> {
    if (classified.kind !== "insert") throw new TypeError("not an insert");
    // The usual case: the same statement in the URL, then the body.
    const key = bytes.length <= CACHE_TEXT_LIMIT ? new TextDecoder().decode(bytes) : undefined;
    const known = key === undefined ? undefined : this.#offsets.get(key);
    if (known !== undefined) return known;
    const offset = await findDataOffset(
      bytes,
      classified.canonical,
      classified.insert.format,
      (text) => this.canonical(text),
    );
    if (key !== undefined) remember(this.#offsets, key, offset);
    return offset;
  }

  #checkSelect(tree: AstNode, database: string, tables: TableRef[]): string | undefined {
    // SelectWithUnionQuery: the selects, then INTO OUTFILE (a Literal), FORMAT (an
    // Identifier), SETTINGS (a Set). Only FORMAT is accepted.
    const [selects, ...output] = tree.children;
    if (selects?.type !== "ExpressionList") throw refused("this SELECT form");
    let format: string | undefined;
    for (const child of output) {
      if (child.type === "Identifier" && format === undefined && FORMAT_NAME.test(child.detail)) {
        format = child.detail;
      } else if (child.type === "Literal") {
        throw refused("INTO OUTFILE");
      } else if (child.type === "Set") {
        throw refused("SETTINGS in the query text (pass settings as URL parameters)");
      } else {
        throw refused("this SELECT form");
      }
    }
    this.#checkRead(selects, database, tables);
    return format;
  }

  #checkRead(tree: AstNode, database: string, tables: TableRef[]): void {
    for (const { node, parent } of walk(tree)) {
      if (node.type === "Set") {
        throw refused("SETTINGS in the query text (pass settings as URL parameters)");
      }
      if (!READ_NODES.has(node.type)) throw refused(`${node.type} in a read`);
      if (node.type === "SelectWithUnionQuery" && node !== tree && node.children.length !== 1) {
        throw refused("INTO OUTFILE, FORMAT or SETTINGS in a subquery");
      }
      if (node.type === "TableIdentifier") {
        tables.push(this.#checkReadTable(node.detail, database));
      }
      if (node.type === "Function") {
        const name = detailName(node.detail);
        if (name === undefined) throw refused("a function whose name cannot be read");
        if (parent?.type === "TableExpression") {
          if (!TABLE_FUNCTIONS.has(name)) throw refused(`table function ${name}()`);
        } else if (!this.#functions.allows(name)) {
          throw refused(`function ${name}()`);
        }
        // `x IN t` names a table as an identifier.
        const [args] = node.children;
        const set = args?.children[1];
        if (IN_FUNCTIONS.has(name) && set?.type === "Identifier") {
          tables.push(this.#checkReadTable(set.detail, database));
        }
      }
    }
  }

  #checkReadTable(detail: string, database: string): TableRef {
    const name = detailName(detail);
    if (name === undefined) throw refused("a table whose name cannot be read");
    const dot = name.indexOf(".");
    if (dot < 0) {
      if (this.databaseAllowed(database)) return { database, table: name };
      throw refused(`tables of database ${database}`);
    }
    const [db, table] = [name.slice(0, dot), name.slice(dot + 1)];
    if (db === "system" && SYSTEM_TABLES.has(table)) return { database: db, table };
    if (!ENGINE_DATABASES.has(db) && this.databaseAllowed(db)) return { database: db, table };
    throw refused(`table ${name}`);
  }

  /**
   * Every table a read names must be a table the engine lists. chDB's default
   * database also resolves names to files in the working directory, and once
   * such a file table exists the engine no longer applies `readonly` to it;
   * a name checked here never gets that far.
   */
  async #checkTablesExist(tables: TableRef[]): Promise<void> {
    const own = tables.filter((t) => t.database !== "system");
    if (own.length === 0) return;
    const found = await this.#store.query<{ database: string; name: string; engine: string }>(
      `SELECT database, name, engine FROM system.tables
        WHERE database IN {databases:Array(String)} AND name IN {names:Array(String)}`,
      {
        params: {
          databases: [...new Set(own.map((t) => t.database))],
          names: [...new Set(own.map((t) => t.table))],
        },
      },
    );
    for (const { database, table } of own) {
      const row = found.find((r) => r.database === database && r.name === table);
      if (row === undefined) {
        throw new EndpointError("UNKNOWN_TABLE", `Table ${database}.${table} does not exist`);
      }
      if (!READ_ENGINES.test(row.engine)) throw refused(`reads of a ${row.engine} table`);
    }
  }

  async #checkInsert(tree: AstNode, canonical: string, database: string): Promise<Classified> {
    const format = / FORMAT ([A-Za-z][A-Za-z0-9_]*)$/.exec(canonical)?.[1];
    if (format === undefined) throw refused("INSERT without FORMAT and data");
    const names: string[] = [];
    let columns: string[] = [];
    for (const child of tree.children) {
      if (child.type === "Identifier" && columns.length === 0 && names.length < 2) {
        names.push(child.detail);
      } else if (child.type === "ExpressionList" && columns.length === 0) {
        columns = child.children.map((c) => {
          if (c.type !== "Identifier" || c.children.length > 0) {
            throw refused("INSERT columns other than plain names");
          }
          return c.detail;
        });
      } else {
        throw refused("INSERT other than INSERT INTO t (columns) FORMAT F");
      }
    }
    if (names.length === 0) throw refused("INSERT INTO FUNCTION or INSERT without a table");
    const [db, table] = names.length === 2 ? names : [database, names[0]];
    if (!PLAIN_NAME.test(db) || !PLAIN_NAME.test(table) || ENGINE_DATABASES.has(db)) {
      throw refused(`inserts into ${names.join(".")}`);
    }
    const own = db === this.#options.database && this.#options.insertTables.has(table);
    if (!own && !(this.#options.allowSchemaChanges && this.databaseAllowed(db))) {
      throw refused(`inserts into ${db}.${table}`);
    }
    await this.#checkColumns(db, table, columns);
    // The shape is certain only if the statement rendered from these parts prints the same.
    const insert: InsertTarget = { database: db, table, columns, format };
    const target = names.length === 2
      ? `${quoteIdentifier(db)}.${quoteIdentifier(table)}`
      : quoteIdentifier(table);
    // Columns as clients write them: `Events.Name` (a nested column) or `` `Events.Name` ``.
    for (const quote of [quoteColumn, quoteIdentifier]) {
      const list = columns.length === 0 ? "" : ` (${columns.map(quote).join(", ")})`;
      const rendered = await this.canonical(`INSERT INTO ${target}${list} FORMAT ${format}`);
      if (rendered === canonical) return { kind: "insert", insert, canonical };
    }
    throw refused("INSERT other than INSERT INTO t (columns) FORMAT F");
  }

  async #checkColumns(database: string, table: string, columns: string[]): Promise<void> {
    const found = await this.#store.query<{ engine: string; columns: string[] }>(
      `SELECT t.engine AS engine,
          (SELECT groupArray(name) FROM system.columns WHERE database = {d:String} AND table = {t:String}) AS columns
        FROM system.tables AS t WHERE t.database = {d:String} AND t.name = {t:String}`,
      { params: { d: database, t: table } },
    );
    const engine = found[0]?.engine;
    if (engine === undefined) {
      throw new EndpointError("UNKNOWN_TABLE", `Table ${database}.${table} does not exist`);
    }
    if (!TABLE_ENGINES.has(engine)) throw refused(`inserts into a table with engine ${engine}`);
    const known = new Set(found[0].columns);
    const missing = columns.find((c) => !known.has(c));
    if (missing !== undefined) {
      throw new EndpointError(
        "NO_SUCH_COLUMN_IN_TABLE",
        `No such column ${missing.slice(0, 100)} in table ${database}.${table}`,
      );
    }
  }
}

/** Adds `key` to a bounded map, dropping the oldest entry when full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_SIZE) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** A column name as clients write it: `Events.Name` is the nested column `Events`.`Name`. */
function quoteColumn(name: string): string {
  return name.split(".").map(quoteIdentifier).join(".");
}

/** The engine's error about the statement, without the wrapper query it was bound into. */
function withoutWrapper(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  error.message = error.message.replace(
    /: In scope SELECT formatQuerySingleLine\(.*(\. \([A-Z_]+\))$/s,
    "$1",
  );
  return error;
}
