/**
 * Printing rows in the format `--output` names: an aligned table for people,
 * JSON (one array), NDJSON (one object per line) or CSV (the table's columns)
 * for scripts. Everything goes to stdout; warnings go to stderr elsewhere.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { MigrateResult } from "../sql/migrate.ts";
import type { Store } from "../sql/store.ts";
import { UsageError } from "./errors.ts";
import { type Palette, visibleLength } from "./format.ts";

/** The output formats of `--output`. */
export const FORMATS = ["table", "json", "ndjson", "csv"] as const;
/** One of {@linkcode FORMATS}. */
export type Format = typeof FORMATS[number];

/** A table column: its header, and how a row shows in it (plain text, then styled). */
export interface Column<T> {
  header: string;
  value(row: T): string;
  /** Styles the (padded) cell on a terminal; plain text otherwise. */
  style?(row: T, cell: string, colours: Palette): string;
  align?: "left" | "right";
  /** The last column may run long instead of being padded. */
}

/** Where a command writes, and what it knows about the terminal. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  colours: Palette;
  /** Terminal width in columns (a default when stdout is not a terminal). */
  width: number;
  env: Record<string, string | undefined>;
  /** How commands that work on the store (`archive`) open it; `main.ts` provides them. */
  stores?: {
    openStore(config: Config): Promise<Store>;
    migrateStore(store: Store, config: Config): Promise<MigrateResult>;
  };
}

/** Checks a `--output` value. */
export function parseFormat(raw: string | undefined): Format {
  if (raw === undefined) return "table";
  if (!(FORMATS as readonly string[]).includes(raw)) {
    throw new UsageError(`Invalid --output "${raw}": expected one of ${FORMATS.join(", ")}`);
  }
  return raw as Format;
}

/**
 * One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
 *
 * @example
 * ```ts
 * import { csvField } from "./output.ts";
 * console.assert(csvField('say "hi", then go') === '"say ""hi"", then go"');
 * ```
 */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Lines of an aligned table (header first); the last column is not padded. */
export function tableLines<T>(rows: readonly T[], columns: readonly Column<T>[], io: Io): string[] {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i])))
  );
  const pad = (text: string, i: number) => {
    if (i === columns.length - 1 && columns[i].align !== "right") return text;
    const fill = " ".repeat(widths[i] - visibleLength(text));
    return columns[i].align === "right" ? fill + text : text + fill;
  };
  const header = columns.map((c, i) => io.colours.bold(pad(c.header, i))).join("  ");
  const body = rows.map((row, r) =>
    columns.map((c, i) => {
      const cell = pad(cells[r][i], i);
      return c.style ? c.style(row, cell, io.colours) : cell;
    }).join("  ").trimEnd()
  );
  return [header.trimEnd(), ...body];
}

/** CSV lines: header, then one line per row. */
export function csvLines<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  return [
    columns.map((c) => csvField(c.header)).join(","),
    ...rows.map((row) => columns.map((c) => csvField(c.value(row))).join(",")),
  ];
}

/** Prints `rows` (API items) in `format`; the table and CSV use `columns`. */
export function printRows<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  format: Format,
  io: Io,
): void {
  switch (format) {
    case "json":
      io.stdout(JSON.stringify(rows, null, 2) + "\n");
      return;
    case "ndjson":
      for (const row of rows) io.stdout(JSON.stringify(row) + "\n");
      return;
    case "csv":
      io.stdout(csvLines(rows, columns).join("\n") + "\n");
      return;
    case "table":
      if (rows.length === 0) return;
      io.stdout(tableLines(rows, columns, io).join("\n") + "\n");
  }
}
