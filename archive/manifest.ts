/**
 * The manifest of one archived day of one signal
 * (`signal/date=YYYY-MM-DD/manifest.json`): row count and checksum of the
 * source partition, the Parquet parts with their rows and bytes, the column
 * structure. It is written last, after verification, so its presence means
 * "archived and verified"; a run killed before that leaves no manifest and
 * the next run exports the day again.
 *
 * @module
 */
import type { Store } from "../sql/store.ts";
import { ARCHIVE_SETTINGS, type ArchiveTarget, tableFunction } from "./target.ts";

/** One Parquet file of an archived day. */
export interface ManifestPart {
  file: string;
  rows: number;
  bytes: number;
}

/** What `manifest.json` holds. */
export interface Manifest {
  version: 1;
  signal: string;
  table: string;
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  rows: number;
  /** Sum of `cityHash64` over every column of every row (UInt64 as text), order-independent. */
  checksum: string;
  parts: ManifestPart[];
  /** Parquet bytes of all parts. */
  parquetBytes: number;
  /** Bytes of the day's partition in the table (compressed, on disk) when it was archived. */
  sourceBytes: number;
  /** Column list for reading the parts back with the table's types. */
  structure: string;
  exportedAt: string;
  /** Whether the partition was dropped from the table afterwards. */
  dropped: boolean;
}

const BLOB = "data String";

/** `signal/date=YYYY-MM-DD` — the directory of one day. */
export function dayDirectory(signal: string, date: string): string {
  if (!/^[a-z_]+$/.test(signal) || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new TypeError(`Invalid archive day "${signal}/${date}"`);
  }
  return `${signal}/date=${date}`;
}

/** Writes (replaces) the manifest of a day. */
export async function writeManifest(
  store: Store,
  target: ArchiveTarget,
  manifest: Manifest,
): Promise<void> {
  const fn = tableFunction(
    target,
    `${dayDirectory(manifest.signal, manifest.date)}/manifest.json`,
    "RawBLOB",
    BLOB,
  );
  await store.command(`INSERT INTO FUNCTION ${fn.sql} SELECT {manifest_text:String}`, {
    params: { ...fn.params, manifest_text: JSON.stringify(manifest, null, 2) + "\n" },
    settings: { ...ARCHIVE_SETTINGS, s3_truncate_on_insert: 1, engine_file_truncate_on_insert: 1 },
  });
}

/** Manifests under `target`: of one day, one signal (`date` `*`) or all (`signal` `*`). */
export async function readManifests(
  store: Store,
  target: ArchiveTarget,
  signal = "*",
  date = "*",
): Promise<Manifest[]> {
  // A glob, not a file name: no match answers no rows where a missing file would be an error.
  const dir = `${signal === "*" ? "*" : signal}/date=${date}`;
  if (!/^(\*|[a-z_]+)\/date=(\*|\d{4}-\d{2}-\d{2})$/.test(dir)) {
    throw new TypeError(`Invalid manifest selection "${dir}"`);
  }
  const fn = tableFunction(target, `${dir}/manifest*.json`, "RawBLOB", BLOB);
  const rows = await store.query<{ data: string }>(`SELECT data FROM ${fn.sql}`, {
    params: fn.params,
    settings: ARCHIVE_SETTINGS,
  });
  const manifests = rows.map((r) => JSON.parse(r.data) as Manifest);
  return manifests.sort((a, b) =>
    a.signal === b.signal ? a.date.localeCompare(b.date) : a.signal.localeCompare(b.signal)
  );
}
