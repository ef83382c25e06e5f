/**
 * A Native block built column by column across requests: the batcher's pending
 * block per table, with marks to roll a request back and row objects appended
 * through the row encoder's codecs.
 *
 * @module
 */
import type { ColumnSpec } from "../store.ts";
import { ByteWriter } from "./byte_writer.ts";
import {
  type ArrayColumn,
  columnFor,
  countersOf,
  type MapColumn,
  type NativeColumn,
  streamsOf,
} from "./columns.ts";

/** A position in a {@linkcode NativeBlockBuilder} to roll back to. */
export interface BuilderMark {
  readonly rows: number;
  readonly lengths: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Builds one Native block column by column, without a JavaScript object per row: callers
 * append each row's values to every column (through the typed columns of
 * {@linkcode NativeBlockBuilder.column}), then count the row with
 * {@linkcode NativeBlockBuilder.endRow}. {@linkcode NativeBlockBuilder.appendRow} does the same
 * for a row object, converting values as {@linkcode encodeNative} does: for the same rows both
 * produce the same bytes.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder, type ScalarColumn, type MapColumn } from "./mod.ts";
 * const block = new NativeBlockBuilder([
 *   { name: "Name", type: "LowCardinality(String)" },
 *   { name: "Attributes", type: "Map(LowCardinality(String), String)" },
 * ]);
 * (block.column("Name") as ScalarColumn).out.string("GET /");
 * (block.column("Attributes") as MapColumn).strings([["http.route", "/"]]);
 * block.endRow();
 * block.appendRow({ Name: "POST /", Attributes: { "http.route": "/x" } });
 * console.assert(block.rows === 2 && block.finish().length > 0);
 * ```
 */
export class NativeBlockBuilder {
  readonly columns: readonly ColumnSpec[];
  /** Rows appended so far. */
  rows = 0;
  #built: NativeColumn[];
  #byName = new Map<string, NativeColumn>();
  #streams: ByteWriter[];
  #counters: (ArrayColumn | MapColumn)[] = [];
  /** Per stream: the index in `#counters` of the column whose offsets it holds, or -1. */
  #counterOfStream: number[] = [];
  #out: Uint8Array = new Uint8Array(0);

  constructor(columns: readonly ColumnSpec[]) {
    this.columns = columns;
    this.#built = columns.map((c) => columnFor(c.type, c.name));
    this.#streams = [];
    this.#built.forEach((column, i) => {
      this.#byName.set(columns[i].name, column);
      streamsOf(column, this.#streams);
      countersOf(column, this.#counters);
    });
    const offsets = this.#counters.map((c) => c.offsets);
    this.#counterOfStream = this.#streams.map((s) => offsets.indexOf(s));
  }

  /** The column named `name`; throws when the block has none. */
  column(name: string): NativeColumn {
    const column = this.#byName.get(name);
    if (!column) throw new TypeError(`The block has no column "${name}"`);
    return column;
  }

  /** Counts one row whose values were appended to every column. */
  endRow(): void {
    this.rows++;
  }

  /** Appends a row object (keys are column names; a missing key is the type's default). */
  appendRow(row: Readonly<Record<string, unknown>>): void {
    for (let i = 0; i < this.columns.length; i++) {
      this.#built[i].append(row[this.columns[i].name]);
    }
    this.rows++;
  }

  /** The current position, for {@linkcode NativeBlockBuilder.rollback}. */
  mark(): BuilderMark {
    return {
      rows: this.rows,
      lengths: this.#streams.map((s) => s.length),
      counts: this.#counters.map((c) => c.count),
    };
  }

  /** Drops everything appended after `mark` (rows half-written by a failed mapping included). */
  rollback(mark: BuilderMark): void {
    this.rows = mark.rows;
    this.#streams.forEach((s, i) => s.length = mark.lengths[i]);
    this.#counters.forEach((c, i) => c.count = mark.counts[i]);
  }

  /**
   * Appends the rows of `source` (a builder of the same columns) between two of its marks, as
   * they were written: value bytes are copied, array and map offsets are moved to follow this
   * block's own. No value is decoded.
   *
   * @example
   * ```ts
   * import { NativeBlockBuilder } from "./mod.ts";
   * const columns = [{ name: "tags", type: "Array(String)" }];
   * const a = new NativeBlockBuilder(columns);
   * a.appendRow({ tags: ["x"] });
   * const from = a.mark();
   * a.appendRow({ tags: ["y", "z"] });
   * const b = new NativeBlockBuilder(columns);
   * b.appendRow({ tags: ["w"] });
   * b.appendRange(a, from, a.mark());
   * console.assert(b.rows === 2);
   * ```
   */
  appendRange(source: NativeBlockBuilder, from: BuilderMark, to: BuilderMark): void {
    const src = source.#streams;
    for (let i = 0; i < this.#streams.length; i++) {
      const bytes = src[i].result().subarray(from.lengths[i], to.lengths[i]);
      const counter = this.#counterOfStream[i];
      if (counter < 0) {
        this.#streams[i].bytes(bytes);
        continue;
      }
      // Offsets are running totals over the whole column: rebase them onto this block's.
      const shift = this.#counters[counter].count - from.counts[counter];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at < bytes.length; at += 8) {
        const offset = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000;
        this.#streams[i].u64n(offset + shift);
      }
    }
    this.#counters.forEach((c, i) => c.count += to.counts[i] - from.counts[i]);
    this.rows += to.rows - from.rows;
  }

  /** Bytes the builder holds allocated: its streams' buffers and its last block. */
  get capacity(): number {
    let n = this.#out.length;
    for (const s of this.#streams) n += s.capacity;
    return n;
  }

  /** Bytes appended so far (values, without the header). */
  get byteLength(): number {
    let n = 0;
    for (const s of this.#streams) n += s.length;
    return n;
  }

  /**
   * The block: header, then every column's name, type and streams. The bytes live in a buffer
   * of the builder, reused after {@linkcode NativeBlockBuilder.reset}: use them before that.
   */
  finish(): Uint8Array {
    const header = new ByteWriter(1024);
    header.varUInt(this.columns.length);
    header.varUInt(this.rows);
    const heads: Uint8Array[] = [];
    let total = header.length;
    for (let i = 0; i < this.columns.length; i++) {
      const w = new ByteWriter(128);
      w.string(this.columns[i].name);
      w.string(this.#built[i].headerType);
      heads.push(w.result());
      total += w.length;
      for (const s of streamsOf(this.#built[i], [])) total += s.length;
    }
    if (this.#out.length < total) this.#out = new Uint8Array(total + (total >> 3));
    const out = this.#out.subarray(0, total);
    out.set(header.result(), 0);
    let at = header.length;
    for (let i = 0; i < this.columns.length; i++) {
      out.set(heads[i], at);
      at += heads[i].length;
      for (const s of streamsOf(this.#built[i], [])) {
        out.set(s.result(), at);
        at += s.length;
      }
    }
    return out;
  }

  /**
   * Empties the builder for a new block, keeping its grown buffers while they hold at most
   * `keepBytes` in all (see {@linkcode NativeBlockBuilder.capacity}): building the next block
   * then allocates (and faults in) no new memory. A builder grown past it gives its buffers back
   * and starts small again, so one large block does not stay resident for good. The last
   * {@linkcode NativeBlockBuilder.finish} result is overwritten.
   *
   * @example
   * ```ts
   * import { NativeBlockBuilder } from "./mod.ts";
   * const block = new NativeBlockBuilder([{ name: "Body", type: "String" }]);
   * for (let i = 0; i < 10_000; i++) block.appendRow({ Body: "x".repeat(100) });
   * const grown = block.capacity;
   * console.assert(block.reset(grown).capacity === grown);
   * console.assert(block.reset(64 * 1024).capacity < grown);
   * ```
   */
  reset(keepBytes = Infinity): this {
    this.rows = 0;
    const release = this.capacity > keepBytes;
    for (const s of this.#streams) {
      if (release) s.release();
      else s.length = 0;
    }
    if (release) this.#out = new Uint8Array(0);
    for (const c of this.#counters) c.count = 0;
    return this;
  }
}
