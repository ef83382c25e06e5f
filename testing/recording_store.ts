/**
 * Test support: a {@linkcode Store} that records inserts instead of storing them, with knobs
 * to hold inserts back (`gate`) or make them fail (`failWith`, `poison`).
 *
 * @module
 */
import { decodeNative } from "../sql/native/mod.ts";
import {
  type InsertOptions,
  isNativeBlock,
  type NativeBlock,
  type QueryResult,
  type Store,
} from "../sql/store.ts";

/**
 * A store that only records what was inserted.
 *
 * @example
 * ```ts
 * import { RecordingStore } from "./recording_store.ts";
 * const store = new RecordingStore();
 * await store.insert("t", [{ n: 1 }], { columns: [{ name: "n", type: "UInt8" }] });
 * console.assert(store.inserts[0].rows.length === 1);
 * ```
 */
export class RecordingStore implements Store {
  readonly kind = "embedded" as const;
  readonly database = "default";
  /** Every committed insert, in order; Native blocks are decoded back into rows. */
  inserts: { table: string; rows: readonly Record<string, unknown>[] }[] = [];
  /** When set, inserts wait for it. */
  gate?: Promise<void>;
  /** When set, inserts throw it. */
  failWith?: Error;
  /** When set, an insert holding a row it matches throws (a poison record). */
  poison?: (row: Readonly<Record<string, unknown>>) => boolean;
  /** Rows of every insert attempt, failed ones included. */
  attempts: number[] = [];

  query<Row>(): Promise<Row[]> {
    return Promise.resolve([]);
  }
  queryWithStats<Row>(): Promise<QueryResult<Row>> {
    return Promise.resolve({ rows: [], stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } });
  }
  command(): Promise<void> {
    return Promise.resolve();
  }
  async insert(
    table: string,
    rows: readonly Record<string, unknown>[] | NativeBlock,
    _options: InsertOptions,
  ): Promise<void> {
    await (this.gate ?? new Promise((resolve) => setTimeout(resolve, 1)));
    const decoded = isNativeBlock(rows) ? decodeNative(rows.native).rows : rows;
    this.attempts.push(decoded.length);
    if (this.failWith) throw this.failWith;
    if (this.poison && decoded.some(this.poison)) throw new Error("poison record in the insert");
    this.inserts.push({ table, rows: decoded });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
