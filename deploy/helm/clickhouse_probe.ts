/**
 * Loads a rendered ClickHouse config file into the embedded engine, as one pod would get it (its
 * environment resolves the `from_env` values), and writes what the engine made of it as JSON:
 * the macros and the clusters of `remote_servers`. One process per pod: the engine reads its
 * configuration once per process.
 *
 * Usage: deno run -A deploy/helm/clickhouse_probe.ts CONFIG.xml OUT.json
 *
 * @module
 */
import { ChdbStore } from "../../sql/chdb.ts";

/** What the engine read from the config. */
export interface ProbeResult {
  /** `system.macros`: macro → substitution. */
  macros: Record<string, string>;
  /** `system.clusters`, one row per replica. */
  clusters: { cluster: string; shard_num: number; replica_num: number; host_name: string }[];
}

if (import.meta.main) {
  const [configFile, out] = Deno.args;
  if (!configFile || !out) {
    console.error("usage: clickhouse_probe.ts CONFIG.xml OUT.json");
    Deno.exit(2);
  }
  const path = await Deno.makeTempDir({ prefix: "tracehouse-probe-" });
  const store = await ChdbStore.open({ path, configFile });
  try {
    const macros = await store.query<{ macro: string; substitution: string }>(
      "SELECT macro, substitution FROM system.macros ORDER BY macro",
    );
    const clusters = await store.query<ProbeResult["clusters"][number]>(
      "SELECT cluster, shard_num, replica_num, host_name FROM system.clusters " +
        "ORDER BY cluster, shard_num, replica_num",
    );
    const result: ProbeResult = {
      macros: Object.fromEntries(macros.map((m) => [m.macro, m.substitution])),
      clusters,
    };
    await Deno.writeTextFile(out, JSON.stringify(result));
  } finally {
    await store.close();
    await Deno.remove(path, { recursive: true });
  }
}
