/**
 * Recognises `INSERT INTO t [(cols)] [SETTINGS …] FORMAT F` / `VALUES` at the
 * start of a request, so that the data after it never enters query text: the
 * endpoint writes the data to a file and runs the statement this module
 * renders with `FROM INFILE`. Works on bytes, because the data may be binary.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";
import { Lexer, type Token } from "./lexer.ts";
import { quoteIdentifier } from "../sql/identifiers.ts";

/** A parsed `INSERT … FORMAT` prefix. */
export interface InsertPrefix {
  /** `[table]` or `[database, table]`, unquoted. */
  table: string[];
  /** Column names as written, unquoted; empty for "all columns". */
  columns: string[];
  /** `SETTINGS name = value` pairs of the statement. */
  settings: Record<string, string>;
  /** The input format (`Values` for `VALUES`). */
  format: string;
  /** Offset of the first data byte in the parsed input. */
  dataOffset: number;
}

/**
 * What a request's query text is: an insert with data after it, a complete
 * statement to run as text, or (for a prefix that stops early) incomplete.
 */
export type Statement =
  | { kind: "insert"; insert: InsertPrefix }
  | { kind: "sql"; keyword: string }
  | { kind: "incomplete" };

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function syntax(message: string): EndpointError {
  return new EndpointError("SYNTAX_ERROR", `Syntax error in INSERT query: ${message}`);
}

function isIdent(token: Token): boolean {
  return token.kind === "word" || token.kind === "quoted";
}

function keyword(token: Token, word: string): boolean {
  return token.kind === "word" && token.text.toUpperCase() === word;
}

/**
 * Classifies the query text at the start of `bytes`: an `INSERT … FORMAT F` /
 * `VALUES` prefix (with the offset where the data starts), or a statement to
 * run as text, named by its first keyword.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStatement } from "./insert.ts";
 * const s = parseStatement(new TextEncoder().encode('INSERT INTO "db".t (a, `b c`) FORMAT TSV\n1\t2'));
 * assert.ok(s.kind === "insert" && s.insert.columns[1] === "b c" && s.insert.dataOffset === 41);
 * ```
 */
export function parseStatement(bytes: Uint8Array): Statement {
  const lexer = new Lexer(bytes);
  const first = lexer.next();
  if (first.kind === "end") return { kind: "incomplete" };
  if (!keyword(first, "INSERT")) return { kind: "sql", keyword: first.text.toUpperCase() };
  const into = lexer.next();
  if (into.kind === "end") return { kind: "incomplete" };
  if (!keyword(into, "INTO")) throw syntax("expected INTO after INSERT");
  let token = lexer.next();
  if (keyword(token, "TABLE")) token = lexer.next();
  if (keyword(token, "FUNCTION")) return { kind: "sql", keyword: "INSERT" };
  if (token.kind === "end") return { kind: "incomplete" };
  if (!isIdent(token)) throw syntax("expected a table name");
  const table = [token.text];
  token = lexer.next();
  if (token.kind === "punct" && token.text === ".") {
    const name = lexer.next();
    if (!isIdent(name)) throw syntax("expected a table name after '.'");
    table.push(name.text);
    token = lexer.next();
  }
  const columns: string[] = [];
  if (token.kind === "punct" && token.text === "(") {
    for (;;) {
      let name = lexer.next();
      if (name.kind === "end") return { kind: "incomplete" };
      if (!isIdent(name)) throw syntax("expected a column name");
      let column = name.text;
      token = lexer.next();
      while (token.kind === "punct" && token.text === ".") {
        name = lexer.next();
        if (!isIdent(name)) throw syntax("expected a column name after '.'");
        column += `.${name.text}`;
        token = lexer.next();
      }
      columns.push(column);
      if (token.kind === "punct" && token.text === ")") break;
      if (token.kind === "end") return { kind: "incomplete" };
      if (!(token.kind === "punct" && token.text === ",")) {
        throw syntax("expected ',' or ')' in the column list");
      }
    }
    token = lexer.next();
  }
  const settings: Record<string, string> = {};
  if (keyword(token, "SETTINGS")) {
    for (;;) {
      const name = lexer.next();
      const eq = lexer.next();
      const value = lexer.next();
      if (
        name.kind !== "word" || eq.text !== "=" ||
        !["word", "number", "string"].includes(value.kind)
      ) {
        if (value.kind === "end") return { kind: "incomplete" };
        throw syntax("expected name = value in SETTINGS");
      }
      settings[name.text] = value.text;
      token = lexer.next();
      if (!(token.kind === "punct" && token.text === ",")) break;
    }
  }
  let format: string;
  let dataOffset: number;
  if (keyword(token, "FORMAT")) {
    const name = lexer.next();
    if (name.kind === "end") return { kind: "incomplete" };
    if (name.kind !== "word" || !FORMAT_NAME.test(name.text)) {
      throw syntax("expected a format name");
    }
    format = name.text;
    dataOffset = dataStart(bytes, name.end);
  } else if (keyword(token, "VALUES")) {
    format = "Values";
    dataOffset = dataStart(bytes, token.end);
  } else if (token.kind === "end") {
    return { kind: "incomplete" };
  } else {
    // INSERT … SELECT / WITH / FROM INFILE …: a complete statement, no data follows.
    return { kind: "sql", keyword: "INSERT" };
  }
  return { kind: "insert", insert: { table, columns, settings, format, dataOffset } };
}

/**
 * ClickHouse's rule: data starts after the first newline following the format
 * name, if there is one, or after all the whitespace otherwise.
 */
function dataStart(bytes: Uint8Array, from: number): number {
  let pos = from;
  while (
    pos < bytes.length && (bytes[pos] === 0x20 || bytes[pos] === 0x09 || bytes[pos] === 0x0c)
  ) pos++;
  if (bytes[pos] === 0x0d) pos++;
  if (bytes[pos] === 0x0a) pos++;
  return pos;
}

/**
 * The statement that inserts the data written to `path`: `INSERT INTO t
 * (cols) FROM INFILE 'path' COMPRESSION 'none' FORMAT F`. `path` must come
 * from the endpoint, never from a request.
 */
export function renderInsertFromFile(insert: InsertPrefix, path: string): string {
  if (/['\\]/.test(path)) throw new TypeError(`Unsafe insert file path: ${path}`);
  const table = insert.table.map(quoteIdentifier).join(".");
  const columns = insert.columns.length > 0
    ? ` (${insert.columns.map(quoteIdentifier).join(", ")})`
    : "";
  return `INSERT INTO ${table}${columns} FROM INFILE '${path}' COMPRESSION 'none' FORMAT ${insert.format}`;
}
