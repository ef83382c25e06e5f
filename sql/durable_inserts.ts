/**
 * Opt-in durability: with `TRACEHOUSE_DURABLE_INSERTS=on` (`--durable-inserts on`) every
 * MergeTree table of Tracehouse's database gets ClickHouse's `fsync_after_insert = 1` and
 * `fsync_part_directory = 1`, so an insert returns — and the OTLP receiver acknowledges the
 * batch — only after the new part's files and its directory are on disk. Without them a power
 * loss can lose parts whose insert had already returned (the page cache had them, the disk did
 * not). `off` resets both settings to the server's defaults; unset leaves the tables as they
 * are. The cost is measured by `bench/durable_bench.ts` (docs/otlp-mapping.md, "Durability").
 *
 * It is not a migration because it is a trade-off and reversible; the tables' columns, keys and
 * other settings are unchanged, so they stay exporter-compatible (a collector's inserts are
 * fsynced too). The materialized views' target tables are included: a rollup that lost a part
 * would disagree with the spans it was built from.
 *
 * @module
 */
import { CLUSTER_NAME, IDENTIFIER } from "./identifiers.ts";
import type { Store } from "./store.ts";

/** The MergeTree settings this switch sets. */
export const DURABLE_SETTINGS = ["fsync_after_insert", "fsync_part_directory"] as const;

/** Where and how to apply {@linkcode setDurableInserts}. */
export interface DurableInsertsOptions {
  /** Database holding the tables. */
  database: string;
  /** Cluster name: the statements run `ON CLUSTER` (on each shard's local tables). */
  cluster?: string;
  /** `true` sets both settings, `false` resets them. */
  enabled: boolean;
}

const ON = new RegExp(DURABLE_SETTINGS.map((s) => `\\b${s} = 1\\b`).join("[\\s\\S]*"));

/** The statement for one table; exported for tests. */
export function durableInsertsStatement(table: string, options: DurableInsertsOptions): string {
  if (!IDENTIFIER.test(options.database)) {
    throw new TypeError(`Invalid database name: "${options.database}"`);
  }
  if (!IDENTIFIER.test(table)) throw new TypeError(`Invalid table name: "${table}"`);
  if (options.cluster !== undefined && !CLUSTER_NAME.test(options.cluster)) {
    throw new TypeError(`Invalid cluster name: "${options.cluster}"`);
  }
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : "";
  const target = `ALTER TABLE \`${options.database}\`.\`${table}\`${onCluster}`;
  return options.enabled
    ? `${target} MODIFY SETTING ${DURABLE_SETTINGS.map((s) => `${s} = 1`).join(", ")}`
    : `${target} RESET SETTING ${DURABLE_SETTINGS.join(", ")}`;
}

/** Each MergeTree table of `database` and whether both settings are on for it. */
export async function durableInsertsState(
  store: Store,
  database: string,
): Promise<{ table: string; durable: boolean }[]> {
  const rows = await store.query<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables
WHERE database = {db:String} AND engine LIKE '%MergeTree' AND NOT is_temporary
ORDER BY name`,
    { params: { db: database } },
  );
  return rows.map((r) => ({ table: r.name, durable: ON.test(r.create_table_query) }));
}

/**
 * Sets or resets the fsync settings on every MergeTree table of the database that is not yet
 * in the wanted state. Returns the tables changed (empty when all were already so).
 *
 * @example
 * ```ts ignore
 * import { setDurableInserts } from "./durable_inserts.ts";
 * await setDurableInserts(store, { database: "default", enabled: true });
 * ```
 */
export async function setDurableInserts(
  store: Store,
  options: DurableInsertsOptions,
): Promise<string[]> {
  const changed: string[] = [];
  for (const { table, durable } of await durableInsertsState(store, options.database)) {
    if (durable === options.enabled) continue;
    await store.command(durableInsertsStatement(table, options));
    changed.push(table);
  }
  return changed;
}
