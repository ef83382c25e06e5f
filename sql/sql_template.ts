/**
 * One small typed tagged template for dynamic SQL.
 *
 * Values never enter the SQL text: {@linkcode param} wraps a value with its
 * ClickHouse type and {@linkcode render} turns it into a `{p0:Type}`
 * placeholder plus an entry in the bound parameters. Identifiers (tables,
 * columns, functions) come only from allow-lists through {@linkcode ident}.
 * Anything else interpolated into {@linkcode sql} is a type error, and a
 * run-time `TypeError` for callers that bypass the types.
 *
 * @module
 */
import type { ParamValue, QueryParams } from "./store.ts";
import { PLAIN_NAME } from "./identifiers.ts";

/** ClickHouse types a value may be bound as. */
export type ParamType =
  | "String"
  | "UInt8"
  | "UInt32"
  | "UInt64"
  | "Int64"
  | "Float64"
  | "DateTime"
  | "DateTime64(9)"
  | "Array(String)"
  | "Array(UInt8)";

const PARAM_TYPES = new Set<string>([
  "String",
  "UInt8",
  "UInt32",
  "UInt64",
  "Int64",
  "Float64",
  "DateTime",
  "DateTime64(9)",
  "Array(String)",
  "Array(UInt8)",
]);

/** A value to bind, with its ClickHouse type. Build with {@linkcode param}. */
export class Param {
  readonly type: ParamType;
  readonly value: ParamValue;
  constructor(type: ParamType, value: ParamValue) {
    if (!PARAM_TYPES.has(type)) throw new TypeError(`Unsupported parameter type: "${type}"`);
    this.type = type;
    this.value = value;
  }
}

/** An identifier taken from an allow-list. Build with {@linkcode ident}. */
export class Identifier {
  readonly name: string;
  constructor(name: string) {
    if (!PLAIN_NAME.test(name)) {
      throw new TypeError(`Invalid identifier: "${name}"`);
    }
    this.name = name;
  }
}

/** What may appear inside `${…}` of {@linkcode sql}. */
export type SqlPart = Sql | Param | Identifier;

/** A fragment of SQL: literal text from the source plus typed parts. */
export class Sql {
  readonly strings: readonly string[];
  readonly parts: readonly SqlPart[];
  constructor(strings: readonly string[], parts: readonly SqlPart[]) {
    for (const part of parts) {
      if (!(part instanceof Sql || part instanceof Param || part instanceof Identifier)) {
        throw new TypeError(
          `Cannot interpolate a raw ${typeof part} into SQL: wrap it with param() or ident()`,
        );
      }
    }
    this.strings = strings;
    this.parts = parts;
  }
}

/**
 * Tags a SQL template. Interpolations must be {@linkcode param},
 * {@linkcode ident} or other {@linkcode sql} fragments.
 *
 * @example
 * ```ts
 * import { param, render, sql } from "./sql_template.ts";
 * const q = render(sql`SELECT 1 WHERE x = ${param("String", "a'b")}`);
 * console.assert(q.query === "SELECT 1 WHERE x = {p0:String}" && q.params.p0 === "a'b");
 * ```
 */
export function sql(strings: TemplateStringsArray, ...parts: SqlPart[]): Sql {
  return new Sql([...strings], parts);
}

/** Wraps a value bound as a `{pN:type}` parameter. */
export function param(type: ParamType, value: ParamValue): Param {
  return new Param(type, value);
}

/**
 * An identifier checked against an allow-list, rendered in backquotes.
 *
 * @example
 * ```ts
 * import { ident, render, sql } from "./sql_template.ts";
 * const t = ident("otel_logs", ["otel_logs", "otel_traces"]);
 * console.assert(render(sql`SELECT * FROM ${t}`).query === "SELECT * FROM `otel_logs`");
 * ```
 */
export function ident(name: string, allowed: readonly string[]): Identifier {
  if (!allowed.includes(name)) throw new TypeError(`Identifier not allowed: "${name}"`);
  return new Identifier(name);
}

/** Joins fragments with a separator fragment (default `, `). */
export function join(fragments: readonly SqlPart[], separator: Sql = sql`, `): Sql {
  if (fragments.length === 0) return sql``;
  const strings: string[] = [""];
  const parts: SqlPart[] = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) {
      parts.push(separator);
      strings.push("");
    }
    parts.push(fragment);
    strings.push("");
  });
  return new Sql(strings, parts);
}

/** `a AND b AND …`, or `1` when there is no condition. */
export function and(conditions: readonly Sql[]): Sql {
  if (conditions.length === 0) return sql`1`;
  return join(conditions, sql` AND `);
}

/** A rendered statement: SQL text with placeholders and the values to bind. */
export interface Rendered {
  query: string;
  params: QueryParams;
}

/**
 * Renders a fragment to SQL text with `{p0:Type}` placeholders, numbered in
 * order of appearance, and the parameters to bind.
 */
export function render(fragment: Sql): Rendered {
  const params: QueryParams = {};
  let counter = 0;
  const walk = (node: Sql): string => {
    let text = node.strings[0];
    node.parts.forEach((part, i) => {
      if (part instanceof Sql) text += walk(part);
      else if (part instanceof Identifier) text += `\`${part.name}\``;
      else {
        const name = `p${counter++}`;
        params[name] = part.value;
        text += `{${name}:${part.type}}`;
      }
      text += node.strings[i + 1];
    });
    return text;
  };
  return { query: walk(fragment), params };
}
