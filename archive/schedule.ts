/**
 * The archive job inside `serve`: `--archive-after-days N --archive-to …`
 * runs {@linkcode runArchive} shortly after start and then once a day, so
 * days are archived (and verified) before TTL drops them; `/api/archive`
 * reads the archive through an {@linkcode ArchiveStore}.
 *
 * @module
 */
import { type Config, ConfigError } from "../config.ts";
import { ChdbStore } from "../sql/chdb.ts";
import type { Store } from "../sql/store.ts";
import { describe, runArchive } from "./export.ts";
import { ArchiveStore } from "./read.ts";
import { ARCHIVED_TABLES } from "./tables.ts";
import { parseArchiveTarget } from "./target.ts";

/** What `serve` keeps of the archive: a reader (embedded engine) and the job to stop. */
export interface Archiving {
  /** Reads the archive; `undefined` with a ClickHouse server (see docs/archiving.md). */
  reader?: ArchiveStore;
  stop(): Promise<void>;
}

/** Options of {@linkcode startArchiving}. */
export interface ArchivingOptions {
  env?: Record<string, string | undefined>;
  /** Delay before the first run. Default one minute, so start-up is not slowed. */
  firstRunMs?: number;
  /** Time between runs. Default one day. */
  intervalMs?: number;
  log?: (line: string) => void;
}

/**
 * Sets up archiving from the configuration; `undefined` when `--archive-to` is unset.
 * Throws a {@linkcode ConfigError} naming the setting for a bad target or a job without target
 * (`serve` then exits 2, as for any bad setting).
 */
export function startArchiving(
  store: Store,
  config: Config,
  options: ArchivingOptions = {},
): Archiving | undefined {
  if (config.archiveTo === null) {
    if (config.archiveAfterDays !== null) {
      throw new ConfigError("--archive-after-days needs --archive-to (TRACEHOUSE_ARCHIVE_TO)");
    }
    return undefined;
  }
  const log = options.log ?? ((line: string) => console.log(`tracehouse: archive: ${line}`));
  let target;
  try {
    target = parseArchiveTarget(config.archiveTo, options.env ?? Deno.env.toObject());
  } catch (error) {
    throw new ConfigError(`Invalid --archive-to: ${(error as Error).message}`);
  }
  const reader = store instanceof ChdbStore ? new ArchiveStore(store, target) : undefined;
  const days = config.archiveAfterDays;
  if (days === null) return { reader, stop: () => Promise.resolve() };
  for (const [signal, kept] of Object.entries(config.retentionDays)) {
    if (days >= kept) {
      log(`warning: ${signal} are kept ${kept} days; archiving after ${days} days comes too late`);
    }
  }
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = async () => {
    try {
      // The daily export is background work: dashboard queries and ingest go ahead of it.
      const exporter = store instanceof ChdbStore ? store.withLane("background") : store;
      const results = await runArchive(exporter, target, {
        tables: ARCHIVED_TABLES,
        olderThanDays: days,
        signal: abort.signal,
      });
      for (const r of results) if (r.outcome !== "skipped") log(describe(r));
      await reader?.refresh();
    } catch (error) {
      if (!abort.signal.aborted) log(`run failed: ${(error as Error).message}`);
    }
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = run().finally(() => {
        if (!abort.signal.aborted) schedule(options.intervalMs ?? 86_400_000);
      });
    }, ms);
  };
  schedule(options.firstRunMs ?? 60_000);
  return {
    reader,
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
