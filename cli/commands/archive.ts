/**
 * `tracehouse archive`: exports whole days older than N days to Parquet in a
 * directory or an S3 bucket, verifies them, and optionally drops them from
 * the tables; `archive list` shows what is archived. Unlike the other
 * commands it works on the store itself (the embedded data directory or
 * `CLICKHOUSE_URL`), not over the API: with the embedded engine, stop
 * `serve` first, or let `serve --archive-after-days` run the same job.
 *
 * @module
 */
import { runArchive } from "../../archive/export.ts";
import type { Manifest } from "../../archive/manifest.ts";
import { readManifests } from "../../archive/manifest.ts";
import { selectTables } from "../../archive/tables.ts";
import { type ArchiveTarget, parseArchiveTarget } from "../../archive/target.ts";
import { ConfigError, parseCommandLine } from "../../config.ts";
import type { Store } from "../../sql/store.ts";
import { type Flags, intFlag, listFlag, stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { EXIT, ServerError, UsageError } from "../errors.ts";
import { type Column, type Io, parseFormat, printRows } from "../output.ts";

/** `archive` command. */
export const archiveCommand: Command = {
  name: "archive",
  summary: "export old days to Parquet (directory or s3://), verified; `archive list`",
  usage: "archive [list] --to <dir|s3://bucket/prefix> [flags]",
  description: "Exports every whole UTC day older than --older-than-days of each signal to " +
    "Parquet (signal/date=YYYY-MM-DD/part-N.parquet plus manifest.json), reads it back and " +
    "compares row count and checksum with the table, and only then (with --drop-after-verify) " +
    "drops the day from the table. Reruns skip verified days and finish interrupted ones. " +
    "S3 endpoint and credentials come from AWS_ENDPOINT_URL(_S3), AWS_ACCESS_KEY_ID, " +
    "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN, AWS_REGION). Works on the store: the " +
    "embedded data directory (--data, one process at a time) or CLICKHOUSE_URL.",
  flags: {
    to: {
      type: "string",
      value: "<dir|s3://…>",
      description: "archive location [$TRACEHOUSE_ARCHIVE_TO]",
    },
    "older-than-days": {
      type: "string",
      value: "<days>",
      description: "archive days that ended more than this many days ago " +
        "[$TRACEHOUSE_ARCHIVE_AFTER_DAYS or 3]",
    },
    signal: {
      type: "string",
      multiple: true,
      value: "<signal>",
      description: "traces, logs, metrics or metrics_<kind> (repeatable) [all]",
    },
    "drop-after-verify": {
      type: "boolean",
      description: "drop each verified day from its table (never without this flag)",
    },
    "rows-per-part": {
      type: "string",
      value: "<rows>",
      description: "largest Parquet part, in rows [2000000]",
    },
    data: {
      type: "string",
      value: "<dir>",
      description: "embedded data directory [$TRACEHOUSE_DATA or ./data]",
    },
    output: {
      type: "string",
      short: "o",
      value: "table|json|ndjson|csv",
      description: "output format [table]",
    },
    help: { type: "boolean", short: "h", description: "show this help" },
  },
  examples: [
    "tracehouse archive --to /srv/archive --older-than-days 5",
    "AWS_ENDPOINT_URL=https://minio.internal:9000 tracehouse archive --to s3://telemetry/tracehouse --drop-after-verify",
    "tracehouse archive list --to s3://telemetry/tracehouse -o json",
  ],
  async run(flags, positionals, io) {
    const sub = positionals[0];
    if (positionals.length > 1 || (sub !== undefined && sub !== "list")) {
      throw new UsageError("Expected `archive` or `archive list`");
    }
    const format = parseFormat(stringFlag(flags, "output"));
    const target = targetOf(flags, io.env);
    if (sub === "list") {
      for (const flag of ["older-than-days", "signal", "drop-after-verify", "rows-per-part"]) {
        if (flags[flag] !== undefined) {
          throw new UsageError(`--${flag} does not apply to archive list`);
        }
      }
      return await withStore(flags, io, async (store) => {
        const manifests = await readManifests(store, target);
        printManifests(manifests, format, io);
        if (manifests.length === 0) {
          io.stderr(`tracehouse archive: nothing archived in ${target.display}\n`);
        }
        return EXIT.ok;
      });
    }
    const olderThanDays = intFlag(flags, "older-than-days", {
      min: 0,
      max: 3650,
      fallback: envDays(io.env),
    });
    const rowsPerPart = intFlag(flags, "rows-per-part", {
      min: 1000,
      max: 1_000_000_000,
      fallback: 2_000_000,
    });
    let tables;
    try {
      tables = selectTables(listFlag(flags, "signal"));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return await withStore(flags, io, async (store) => {
      const results = await runArchive(store, target, {
        tables,
        olderThanDays,
        rowsPerPart,
        dropAfterVerify: flags["drop-after-verify"] === true,
        log: (line) => io.stderr(`tracehouse archive: ${line}\n`),
      });
      const columns: Column<typeof results[number]>[] = [
        { header: "SIGNAL", value: (r) => r.signal },
        { header: "DATE", value: (r) => r.date },
        { header: "ROWS", value: (r) => String(r.rows), align: "right" },
        { header: "PARQUET BYTES", value: (r) => String(r.parquetBytes), align: "right" },
        {
          header: "OUTCOME",
          value: (r) => r.outcome + (r.dropped ? ", dropped" : ""),
          style: (r, cell, c) => r.outcome === "failed" ? c.red(cell) : cell,
        },
      ];
      printRows(results, columns, format, io);
      if (results.length === 0) io.stderr("tracehouse archive: no day to archive\n");
      return results.some((r) => r.outcome === "failed") ? EXIT.server : EXIT.ok;
    });
  },
};

function envDays(env: Record<string, string | undefined>): number {
  const raw = env.TRACEHOUSE_ARCHIVE_AFTER_DAYS;
  if (raw === undefined || raw === "") return 3;
  if (!/^\d+$/.test(raw) || Number(raw) > 3650) {
    throw new UsageError(`Invalid TRACEHOUSE_ARCHIVE_AFTER_DAYS "${raw}": expected 0 to 3650`);
  }
  return Number(raw);
}

function targetOf(flags: Flags, env: Record<string, string | undefined>): ArchiveTarget {
  const text = stringFlag(flags, "to") ?? env.TRACEHOUSE_ARCHIVE_TO;
  if (!text) {
    throw new UsageError("Where to? Give --to <dir|s3://bucket/prefix> or TRACEHOUSE_ARCHIVE_TO");
  }
  try {
    return parseArchiveTarget(text, env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Opens the store the environment (and `--data`) names, runs `fn`, closes it. */
async function withStore(
  flags: Flags,
  io: Io,
  fn: (store: Store) => Promise<number>,
): Promise<number> {
  const data = stringFlag(flags, "data");
  let config;
  try {
    config = parseCommandLine(data === undefined ? [] : ["--data", data], io.env).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (!io.stores) throw new Error("archive needs a store opener (main.ts provides it)");
  const { openStore, migrateStore } = io.stores;
  let store: Store;
  try {
    store = await openStore(config);
    await migrateStore(store, config);
  } catch (error) {
    throw new ServerError(`Cannot open the store: ${(error as Error).message}`);
  }
  try {
    return await fn(store);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new ServerError((error as Error).message);
  } finally {
    await store.close();
  }
}

function printManifests(manifests: Manifest[], format: ReturnType<typeof parseFormat>, io: Io) {
  if (format === "json" || format === "ndjson") {
    printRows(manifests, [], format, io);
    return;
  }
  const columns: Column<Manifest>[] = [
    { header: "SIGNAL", value: (m) => m.signal },
    { header: "DATE", value: (m) => m.date },
    { header: "ROWS", value: (m) => String(m.rows), align: "right" },
    { header: "PARTS", value: (m) => String(m.parts.length), align: "right" },
    { header: "PARQUET BYTES", value: (m) => String(m.parquetBytes), align: "right" },
    { header: "TABLE BYTES", value: (m) => String(m.sourceBytes), align: "right" },
    { header: "IN TABLE", value: (m) => (m.dropped ? "dropped" : "kept") },
    { header: "EXPORTED", value: (m) => m.exportedAt },
  ];
  printRows(manifests, columns, format, io);
}
