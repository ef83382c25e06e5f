/**
 * Row counts and checksums of a day: in the table (one partition) and in the
 * archive (its Parquet parts read back with the table's types). The checksum
 * is the wrapping UInt64 sum of `cityHash64` over every column of every row:
 * independent of row order, sensitive to any changed, lost or repeated row.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";
import { dayDirectory } from "./manifest.ts";
import type { ArchivedTable } from "./tables.ts";
import { ARCHIVE_SETTINGS, type ArchiveTarget, tableFunction } from "./target.ts";

/** Rows and checksum of a set of rows. */
export interface Digest {
  rows: number;
  checksum: string;
}

/** `20261201` from `2026-12-01`. */
export function partitionIdOf(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new TypeError(`Invalid date "${date}"`);
  return date.replaceAll("-", "");
}

/** Count and checksum of one day's partition of `table`. */
export async function sourceDigest(
  store: Store,
  table: ArchivedTable,
  date: string,
): Promise<Digest> {
  const [row] = await store.query<{ rows: string; checksum: string }>(
    `SELECT count() AS rows, toString(sum(cityHash64(*))) AS checksum
     FROM ${table.table} WHERE _partition_id = {partition:String}`,
    { params: { partition: partitionIdOf(date) } },
  );
  return { rows: Number(row.rows), checksum: row.rows === "0" ? "0" : row.checksum };
}

/** Count, checksum and parts of a day as archived (every `part-*.parquet` of its directory). */
export async function archiveDigest(
  store: Store,
  target: ArchiveTarget,
  table: ArchivedTable,
  date: string,
  structure: string,
): Promise<Digest & { parts: { file: string; rows: number; bytes: number }[] }> {
  const fn = tableFunction(
    target,
    `${dayDirectory(table.signal, date)}/part-*.parquet`,
    "Parquet",
    structure,
  );
  const parts = await store.query<
    { file: string; rows: string; bytes: string; checksum: string }
  >(
    `SELECT _file AS file, count() AS rows, any(_size) AS bytes,
       toString(sum(cityHash64(*))) AS checksum
     FROM ${fn.sql} GROUP BY _file ORDER BY file`,
    { params: fn.params, settings: ARCHIVE_SETTINGS },
  );
  let checksum = 0n;
  for (const p of parts) checksum = (checksum + BigInt(p.checksum)) % (1n << 64n);
  return {
    rows: parts.reduce((n, p) => n + Number(p.rows), 0),
    checksum: String(checksum),
    parts: parts.map((p) => ({ file: p.file, rows: Number(p.rows), bytes: Number(p.bytes) })),
  };
}
