/**
 * What every table's block shares: a {@linkcode NativeBlockBuilder} of the table's columns,
 * and the bookkeeping that gives each column exactly one typed writer.
 *
 * @module
 */
import type { NativeBlockBuilder, NativeColumn } from "../native/mod.ts";
import { ArrayWriter } from "./column_writers.ts";

/** The type of attribute columns: `Map(LowCardinality(String), String)`. */
export const ATTRIBUTES = "Map(LowCardinality(String), String)";

/** Makes the writer of one column (a class of `column_writers.ts`). */
export type WriterClass<W> = new (column: NativeColumn, name: string) => W;

/**
 * A table's block being built: subclasses declare one writer field per column
 * ({@linkcode TableBlock.column}, {@linkcode TableBlock.array}) and end their constructor with
 * {@linkcode TableBlock.complete}; the mappers append one value to every writer and then
 * {@linkcode TableBlock.endRow}. A column taken twice, one of a type its writer does not write,
 * or one no writer takes throws when the block is made: a column added to the list cannot be
 * forgotten by the writer.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../native/mod.ts";
 * import { StringWriter } from "./column_writers.ts";
 * import { TableBlock } from "./table_block.ts";
 * class NamesBlock extends TableBlock {
 *   readonly name = this.column("Name", StringWriter);
 *   constructor(builder: NativeBlockBuilder) {
 *     super(builder);
 *     this.complete();
 *   }
 * }
 * const block = new NamesBlock(new NativeBlockBuilder([{ name: "Name", type: "String" }]));
 * block.name.string("GET /");
 * block.endRow();
 * console.assert(block.builder.rows === 1 && block.unwritten().length === 0);
 * ```
 */
export abstract class TableBlock {
  #taken = new Set<string>();

  constructor(readonly builder: NativeBlockBuilder) {}

  /** The writer of column `name`. */
  protected column<W>(name: string, writer: WriterClass<W>): W {
    return new writer(this.#take(name), name);
  }

  /** The writer of the `Array(…)` column `name`, whose items `item` writes. */
  protected array<W>(name: string, item: WriterClass<W>): ArrayWriter<W> {
    return new ArrayWriter(this.#take(name), name, item);
  }

  #take(name: string): NativeColumn {
    if (this.#taken.has(name)) throw new TypeError(`Column "${name}" has two writers`);
    this.#taken.add(name);
    return this.builder.column(name);
  }

  /** Counts the row whose values were appended to every column. */
  endRow(): void {
    this.builder.endRow();
  }

  /** Columns of the block that no writer writes: empty for a complete table definition. */
  unwritten(): string[] {
    return this.builder.columns.map((c) => c.name).filter((name) => !this.#taken.has(name));
  }

  /**
   * Throws unless every column has a writer. Subclasses call it last in their constructor (their
   * writer fields are made by then); once per request, a few dozen set lookups.
   */
  protected complete(): void {
    const missing = this.unwritten();
    if (missing.length > 0) {
      throw new TypeError(`No writer for the block's columns ${missing.join(", ")}`);
    }
  }
}
