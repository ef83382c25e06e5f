/**
 * The archive job: every whole day older than N days of every archived
 * table goes to Parquet under the target through ClickHouse's own
 * `INSERT INTO FUNCTION file()/s3() … SELECT` (the engine streams the
 * partition; no row passes through this process). Each day is then read back
 * and its count and checksum compared with the table's before the manifest is
 * written; only then, and only when asked, the partition is dropped.
 *
 * Idempotent and resumable: a day whose manifest exists and whose archive
 * still matches the table is skipped; a day without manifest (a run killed
 * midway) is exported again, overwriting its parts.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";
import { archiveDigest, partitionIdOf, sourceDigest } from "./checksum.ts";
import { dayDirectory, type Manifest, readManifests, writeManifest } from "./manifest.ts";
import { type ArchivedTable, tableStructure } from "./tables.ts";
import { ARCHIVE_SETTINGS, type ArchiveTarget, tableFunction } from "./target.ts";

/** Options of {@linkcode runArchive}. */
export interface ArchiveOptions {
  tables: readonly ArchivedTable[];
  /** Days whose whole UTC day ended more than this many days ago (0: every day before today). */
  olderThanDays: number;
  /** Drop each partition from its table once its archive is verified. */
  dropAfterVerify?: boolean;
  /** Rows per Parquet part at most (a day is split into `ceil(rows / this)` parts). */
  rowsPerPart?: number;
  /** The clock, for tests. */
  now?: number;
  /** Progress lines (one per day). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** What happened to one day of one table. */
export interface DayResult {
  signal: string;
  date: string;
  rows: number;
  outcome: "exported" | "skipped" | "failed";
  dropped: boolean;
  parquetBytes: number;
  /** Why it failed (a count or checksum mismatch, an engine error). */
  error?: string;
}

/** Default rows per Parquet part. */
export const ROWS_PER_PART = 2_000_000;

/** The `YYYY-MM-DD` dates with rows in `table`'s active parts, oldest first, and their bytes. */
export async function partitionsOf(
  store: Store,
  table: string,
): Promise<{ date: string; rows: number; bytes: number }[]> {
  const rows = await store.query<{ id: string; rows: string; bytes: string }>(
    `SELECT partition_id AS id, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE database = currentDatabase() AND table = {table:String} AND active
     GROUP BY partition_id ORDER BY partition_id`,
    { params: { table } },
  );
  return rows.filter((r) => /^\d{8}$/.test(r.id)).map((r) => ({
    date: `${r.id.slice(0, 4)}-${r.id.slice(4, 6)}-${r.id.slice(6, 8)}`,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
  }));
}

/** The newest date that is archived with `olderThanDays` at `now`. */
export function lastArchivedDate(now: number, olderThanDays: number): string {
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  return new Date(today - (olderThanDays + 1) * 86_400_000).toISOString().slice(0, 10);
}

/** Runs the archive job over `tables`; one result per day considered. */
export async function runArchive(
  store: Store,
  target: ArchiveTarget,
  options: ArchiveOptions,
): Promise<DayResult[]> {
  const last = lastArchivedDate(options.now ?? Date.now(), options.olderThanDays);
  const log = options.log ?? (() => {});
  const results: DayResult[] = [];
  for (const table of options.tables) {
    const days = (await partitionsOf(store, table.table)).filter((d) => d.date <= last);
    if (days.length === 0) continue;
    const structure = await tableStructure(store, table.table);
    const manifests = new Map(
      (await readManifests(store, target, table.signal)).map((m) => [m.date, m]),
    );
    for (const day of days) {
      options.signal?.throwIfAborted();
      let result: DayResult;
      try {
        result = await archiveDay(store, target, table, day, structure, manifests.get(day.date), {
          ...options,
        });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        result = {
          signal: table.signal,
          date: day.date,
          rows: day.rows,
          outcome: "failed",
          dropped: false,
          parquetBytes: 0,
          error: (error as Error).message,
        };
      }
      log(describe(result));
      results.push(result);
    }
  }
  return results;
}

async function archiveDay(
  store: Store,
  target: ArchiveTarget,
  table: ArchivedTable,
  day: { date: string; rows: number; bytes: number },
  structure: string,
  existing: Manifest | undefined,
  options: ArchiveOptions,
): Promise<DayResult> {
  const source = await sourceDigest(store, table, day.date);
  const base = { signal: table.signal, date: day.date, rows: source.rows };
  let archived = existing && existing.rows === source.rows && existing.checksum === source.checksum
    ? await archiveDigest(store, target, table, day.date, structure)
    : undefined;
  let outcome: DayResult["outcome"] = "skipped";
  if (!archived || archived.rows !== source.rows || archived.checksum !== source.checksum) {
    await exportDay(store, target, table, day.date, source.rows, options.rowsPerPart);
    archived = await archiveDigest(store, target, table, day.date, structure);
    if (archived.rows !== source.rows || archived.checksum !== source.checksum) {
      return {
        ...base,
        outcome: "failed",
        dropped: false,
        parquetBytes: 0,
        error: `verification failed: table ${source.rows} rows (checksum ${source.checksum}), ` +
          `archive ${archived.rows} rows (checksum ${archived.checksum})`,
      };
    }
    outcome = "exported";
  }
  const parquetBytes = archived.parts.reduce((n, p) => n + p.bytes, 0);
  const manifest: Manifest = {
    version: 1,
    signal: table.signal,
    table: table.table,
    date: day.date,
    rows: source.rows,
    checksum: source.checksum,
    parts: archived.parts,
    parquetBytes,
    sourceBytes: day.bytes,
    structure,
    exportedAt: outcome === "exported" || !existing
      ? new Date().toISOString()
      : existing.exportedAt,
    dropped: false,
  };
  if (outcome === "exported" || !existing) await writeManifest(store, target, manifest);
  let dropped = false;
  if (options.dropAfterVerify) {
    // The partition id comes from system.parts and is checked to be 8 digits (partitionIdOf).
    await store.command(
      `ALTER TABLE ${table.table} DROP PARTITION ID '${partitionIdOf(day.date)}'`,
    );
    dropped = true;
    await writeManifest(store, target, { ...manifest, dropped: true });
  }
  return { ...base, outcome, dropped, parquetBytes };
}

/** `INSERT INTO FUNCTION … PARTITION BY … SELECT` of one day into `part-N.parquet` files. */
export async function exportDay(
  store: Store,
  target: ArchiveTarget,
  table: ArchivedTable,
  date: string,
  rows: number,
  rowsPerPart = ROWS_PER_PART,
  settings: Record<string, string | number> = {},
): Promise<void> {
  const parts = Math.max(1, Math.ceil(rows / rowsPerPart));
  // One part needs no PARTITION BY (which splits every block by hash before encoding).
  const fn = tableFunction(
    target,
    `${dayDirectory(table.signal, date)}/part-${parts === 1 ? "0" : "{_partition_id}"}.parquet`,
    "Parquet",
  );
  const split = parts === 1 ? "" : `PARTITION BY cityHash64(${table.splitKey}) % ${parts}`;
  await store.command(
    `INSERT INTO FUNCTION ${fn.sql} ${split}
     SELECT * FROM ${table.table} WHERE _partition_id = {partition:String}`,
    {
      params: { ...fn.params, partition: partitionIdOf(date) },
      settings: {
        ...ARCHIVE_SETTINGS,
        s3_truncate_on_insert: 1,
        engine_file_truncate_on_insert: 1,
        output_format_parquet_compression_method: "zstd",
        max_execution_time: 0,
        ...settings,
      },
    },
  );
}

/** One progress line for a day. */
export function describe(r: DayResult): string {
  const what = r.outcome === "failed"
    ? `FAILED: ${r.error}`
    : `${r.outcome} ${r.rows} rows, ${r.parquetBytes} bytes of Parquet${
      r.dropped ? ", dropped from the table" : ""
    }`;
  return `${r.signal} ${r.date}: ${what}`;
}
