/**
 * ClickHouse's `Native` format, the cheapest for ClickHouse to ingest and for us
 * to produce: one column-oriented block. Row objects go through the row encoder
 * ({@linkcode encodeNative}); the ingest path builds its blocks column by column
 * ({@linkcode NativeBlockBuilder}). One concern per file:
 *
 * - `byte_writer.ts`: the growable buffer and its little-endian / varint writes;
 * - `value_types.ts`: type-name arguments and checked value conversion;
 * - `row_encoder.ts`: a codec per column type, and row objects to a block;
 * - `columns.ts`: columns built value by value, pre-encoded maps and strings;
 * - `block_builder.ts`: the pending block per table, with marks to roll back.
 *
 * - `decoder.ts`: a block read back into rows.
 *
 * @module
 */
export { ByteWriter } from "./byte_writer.ts";
export { codecFor, encodeNative } from "./row_encoder.ts";
export {
  ArrayColumn,
  type EncodedMap,
  encodeMapEntries,
  encodeString,
  MapColumn,
  type NativeColumn,
  NullableColumn,
  ScalarColumn,
  type StringEntries,
} from "./columns.ts";
export { type BuilderMark, NativeBlockBuilder } from "./block_builder.ts";
export { decodeNative } from "./decoder.ts";
