/**
 * Archiving end to end against a real S3-compatible server (gofakes3): the
 * `archive` command runs as a child process, is killed in the middle and
 * resumed, and the archive then holds exactly the table's rows (count and a
 * checksum over every column); the query modules answer the same from the
 * archive as from the table, also after the days are dropped.
 */
import assert from "node:assert/strict";
import { archiveDigest, sourceDigest } from "../archive/checksum.ts";
import { dayBefore, generateDay } from "../archive/generate.ts";
import { readManifests } from "../archive/manifest.ts";
import { ArchiveStore } from "../archive/read.ts";
import { ARCHIVED_TABLES, tableStructure } from "../archive/tables.ts";
import { parseArchiveTarget } from "../archive/target.ts";
import { ChdbStore } from "../sql/chdb.ts";
import { listLogs } from "../sql/logs.ts";
import { migrate } from "../sql/migrate.ts";
import type { Store } from "../sql/store.ts";
import { parseTimeRange } from "../params/time.ts";
import { getTrace, listTraces } from "../sql/traces.ts";
import { runCli, spawnCli } from "./cli_support.ts";
import { startTracehouse } from "./interop/server.ts";
import { haveGofakes3, startS3 } from "./s3_server.ts";

const RETENTION = {
  TRACEHOUSE_RETENTION_TRACES_DAYS: "30",
  TRACEHOUSE_RETENTION_LOGS_DAYS: "30",
  TRACEHOUSE_RETENTION_METRICS_DAYS: "30",
};
const DAYS = [4, 3, 2].map((n) => dayBefore(n));
const TABLES = ARCHIVED_TABLES.filter((t) =>
  ["traces", "logs", "metrics_gauge"].includes(t.signal)
);

async function withStore<T>(path: string, fn: (store: ChdbStore) => Promise<T>): Promise<T> {
  const store = await ChdbStore.open({ path });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Answers of the query modules over one archived day, to compare before and after. */
async function answers(store: Store) {
  const range = parseTimeRange(
    { from: `${DAYS[1]}T00:00:00Z`, to: `${DAYS[1]}T23:59:59.999Z` },
    { now: Date.now(), maxRangeMs: 31 * 86_400_000 },
  );
  const errors = await listTraces(store, { range, status: "error", services: ["checkout"] }, {
    limit: 20,
  });
  const page2 = await listTraces(store, { range }, { limit: 50 }).then((p) =>
    listTraces(store, { range }, { limit: 50, cursor: p.nextCursor! })
  );
  const trace = await getTrace(store, errors.traces[3].traceId, { logs: true });
  const logs = await listLogs(store, { range, text: "card declined", minSeverity: 17 }, {
    limit: 30,
  });
  return { errors, page2, trace, logs };
}

/** The same questions over HTTP: `prefix` is `/api` or `/api/archive`. */
async function apiAnswers(ui: string, prefix: string, traceId: string) {
  const range = `from=${DAYS[1]}T00:00:00Z&to=${DAYS[1]}T23:59:59.999Z`;
  const get = async (path: string) => {
    const response = await fetch(`${ui}${prefix}${path}`);
    assert.equal(response.status, 200, await response.clone().text());
    return { source: response.headers.get("tracehouse-source"), body: await response.json() };
  };
  return [
    await get(`/traces?${range}&status=error&service=checkout&limit=20`),
    await get(`/traces/${traceId}?logs=1`),
    await get(`/logs?${range}&q=declined&severity=error&limit=30`),
  ];
}

Deno.test({
  name: "archive to S3: killed midway, resumed, verified, read back, dropped",
  ignore: !haveGofakes3(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s3 = await startS3("telemetry");
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-archive-" });
    const data = `${dir}/data`;
    const env = {
      ...RETENTION,
      TRACEHOUSE_DATA: data,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: "test-key",
      AWS_SECRET_ACCESS_KEY: "test-secret",
    };
    const to = `s3://${s3.bucket}/tracehouse`;
    const target = parseArchiveTarget(to, env);
    try {
      const before = await withStore(data, async (store) => {
        await migrate(store, {
          database: "default",
          retentionDays: { traces: 30, logs: 30, metrics: 30 },
        });
        for (const day of [...DAYS, dayBefore(0)]) {
          await generateDay(store, day, { spans: 40_000, logs: 20_000, gauges: 3_000 });
        }
        return await answers(store);
      });
      assert.equal(before.errors.traces.length, 20);
      assert.ok(before.trace && before.trace.spans.length === 4);
      assert.equal(before.logs.logs.length, 30);
      const traceId = before.errors.traces[3].traceId;
      let th = await startTracehouse(data, RETENTION);
      const apiBefore = await apiAnswers(th.uiUrl, "/api", traceId);
      const noArchive = await fetch(`${th.uiUrl}/traces?archive=1`);
      assert.equal(noArchive.status, 404);
      assert.match(
        await noArchive.text(),
        /This server reads no archive: start it with --archive-to/,
      );
      await th.stop();
      assert.ok(apiBefore.every((a) => a.source === null));

      // Kill the run as soon as its first day is archived.
      const args = ["archive", "--to", to, "--older-than-days", "1", "--rows-per-part", "15000"];
      const child = spawnCli([
        ...args,
        "--signal",
        "traces",
        "--signal",
        "logs",
        "--signal",
        "metrics_gauge",
      ], env);
      let progress = "";
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        progress += text;
        if (/: exported \d+ rows/.test(progress)) break;
      }
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel();
      const afterKill = await withStore(data, (store) => readManifests(store, target));
      assert.ok(afterKill.length >= 1, progress);
      assert.ok(afterKill.length < DAYS.length * TABLES.length, "the kill came before the end");

      const resumed = await runCli([...args, "-o", "json"], env);
      assert.equal(resumed.code, 0, resumed.stderr);
      const results: { signal: string; date: string; outcome: string }[] = JSON.parse(
        resumed.stdout,
      );
      const archived = results.filter((r) => TABLES.some((t) => t.signal === r.signal));
      assert.equal(archived.length, DAYS.length * TABLES.length);
      assert.deepEqual(
        archived.filter((r) => r.outcome === "skipped").map((r) => `${r.signal}/${r.date}`)
          .sort(),
        afterKill.map((m) => `${m.signal}/${m.date}`).sort(),
        "what the killed run finished is skipped, the rest exported",
      );
      assert.ok(archived.every((r) => r.outcome !== "failed"));
      assert.ok(!results.some((r) => r.date === dayBefore(0)), "today is not archived");

      await withStore(data, async (store) => {
        const manifests = await readManifests(store, target);
        for (const table of TABLES) {
          const structure = await tableStructure(store, table.table);
          for (const day of DAYS) {
            const source = await sourceDigest(store, table, day);
            const copy = await archiveDigest(store, target, table, day, structure);
            assert.ok(source.rows > 0);
            assert.deepEqual(
              { rows: copy.rows, checksum: copy.checksum },
              source,
              `${table.signal} ${day}`,
            );
            const manifest = manifests.find((m) => m.signal === table.signal && m.date === day)!;
            assert.equal(manifest.rows, source.rows);
            assert.equal(manifest.checksum, source.checksum);
            assert.equal(manifest.parts.reduce((n, p) => n + p.rows, 0), source.rows);
          }
        }
        const traceManifest = manifests.find((m) => m.signal === "traces")!;
        assert.equal(traceManifest.parts.length, 3, "40,000 spans at 15,000 rows per part");
        // An independent count straight from the bucket, not through the archive code.
        const [{ n }] = await store.query<{ n: string }>(
          `SELECT count() AS n FROM s3({u:String}, 'test-key', 'test-secret', 'Parquet')`,
          { params: { u: `${s3.endpoint}/telemetry/tracehouse/logs/date=*/part-*.parquet` } },
        );
        assert.equal(Number(n), 3 * 20_000);
        assert.deepEqual(await answers(new ArchiveStore(store, target)), before);
      });

      const rerun = await runCli([...args, "--signal", "traces", "-o", "json"], env);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.ok(
        JSON.parse(rerun.stdout).every((r: { outcome: string }) => r.outcome === "skipped"),
      );

      const drop = await runCli([...args, "--drop-after-verify", "-o", "json"], env);
      assert.equal(drop.code, 0, drop.stderr);
      await withStore(data, async (store) => {
        for (const table of TABLES) {
          for (const day of DAYS) assert.equal((await sourceDigest(store, table, day)).rows, 0);
          assert.ok((await sourceDigest(store, table, dayBefore(0))).rows > 0, "today stays");
        }
        const fromArchive = await answers(new ArchiveStore(store, target));
        assert.deepEqual(fromArchive, before, "the dropped day answers the same from the archive");
      });

      th = await startTracehouse(data, { ...env, TRACEHOUSE_ARCHIVE_TO: to });
      try {
        const live = await apiAnswers(th.uiUrl, "/api", traceId).catch((e) => e);
        assert.ok(live instanceof Error, "the live API no longer knows the dropped trace");
        const fromArchive = await apiAnswers(th.uiUrl, "/api/archive", traceId);
        assert.deepEqual(fromArchive.map((a) => a.body), apiBefore.map((a) => a.body));
        assert.ok(fromArchive.every((a) => a.source === `archive ${to}`));
        // The dashboard: the same pages over the archive, with a banner saying so.
        const range = `from=${DAYS[1]}T00:00:00Z&to=${DAYS[1]}T23:59:59.999Z`;
        const list = await fetch(`${th.uiUrl}/traces?archive=1&${range}&status=error`);
        const listHtml = await list.text();
        assert.equal(list.status, 200, listHtml);
        assert.match(
          listHtml,
          /class="banner archive"[^]*Parquet at <code>s3:\/\/telemetry\/tracehouse<\/code>/,
        );
        assert.ok(listHtml.includes(traceId), "the archived error trace is listed");
        assert.match(listHtml, /href="\/logs\?[^"]*archive=1/, "navigation stays in the archive");
        const page = await fetch(`${th.uiUrl}/traces/${traceId}?archive=1`);
        const pageHtml = await page.text();
        assert.equal(page.status, 200, pageHtml);
        assert.match(pageHtml, /class="banner archive"/);
        assert.ok(pageHtml.includes("charge card"));
        const livePage = await fetch(`${th.uiUrl}/traces/${traceId}`);
        assert.equal(livePage.status, 404, "the live page no longer has the dropped trace");
        assert.match(await livePage.text(), />Archive<\/a>/, "the live pages link to the archive");
        const cli = await runCli([
          "traces",
          "--archive",
          "--from",
          `${DAYS[1]}T00:00:00Z`,
          "--to",
          `${DAYS[1]}T23:59:59.999Z`,
          "--status",
          "error",
          "--service",
          "checkout",
          "--limit",
          "20",
          "-o",
          "json",
        ], { TRACEHOUSE_URL: th.uiUrl });
        assert.equal(cli.code, 0, cli.stderr);
        assert.deepEqual(JSON.parse(cli.stdout), apiBefore[0].body.traces);
        assert.match(cli.stderr, new RegExp(`read from the archive ${to}`));
        const waterfall = await runCli(["trace", traceId, "--archive"], {
          TRACEHOUSE_URL: th.uiUrl,
        });
        assert.equal(waterfall.code, 0, waterfall.stderr);
        assert.match(waterfall.stdout, /4 spans/);
      } finally {
        await th.stop();
      }

      const list = await runCli(["archive", "list", "--to", to, "-o", "json"], env);
      assert.equal(list.code, 0, list.stderr);
      const listed = JSON.parse(list.stdout);
      assert.equal(listed.filter((m: { dropped: boolean }) => m.dropped).length, 9 + 0);
      const table = await runCli(["archive", "list", "--to", to], env);
      assert.match(table.stdout, /^SIGNAL\s+DATE\s+ROWS\s+PARTS\s+PARQUET BYTES\s+TABLE BYTES/);
      assert.match(
        table.stdout,
        new RegExp(`traces\\s+${DAYS[0]}\\s+40000\\s+3\\s+\\d+\\s+\\d+\\s+dropped`),
      );
    } finally {
      await s3.stop();
    }
  },
});

Deno.test({
  name: "archive to a local directory; bad targets and flags are usage errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-archive-dir-" });
    const data = `${dir}/data`;
    const env = { ...RETENTION, TRACEHOUSE_DATA: data };
    await withStore(data, async (store) => {
      await migrate(store, {
        database: "default",
        retentionDays: { traces: 30, logs: 30, metrics: 30 },
      });
      await generateDay(store, DAYS[2], { spans: 0, logs: 500, gauges: 0 });
    });
    const run = await runCli(["archive", "--to", `${dir}/archive`, "--older-than-days", "0"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `^SIGNAL\\s+DATE\\s+ROWS\\s+PARQUET BYTES\\s+OUTCOME\\nlogs\\s+${
          DAYS[2]
        }\\s+500\\s+\\d+\\s+exported\\n$`,
      ),
    );
    const files = [...Deno.readDirSync(`${dir}/archive/logs/date=${DAYS[2]}`)].map((e) => e.name)
      .sort();
    assert.deepEqual(files, ["manifest.json", "part-0.parquet"]);
    const manifest = JSON.parse(
      await Deno.readTextFile(`${dir}/archive/logs/date=${DAYS[2]}/manifest.json`),
    );
    assert.equal(manifest.rows, 500);
    assert.equal(
      manifest.parts[0].bytes,
      (await Deno.stat(`${dir}/archive/logs/date=${DAYS[2]}/part-0.parquet`)).size,
    );

    const nothing = await runCli(["archive", "list", "--to", `${dir}/empty`], env);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.equal(nothing.stdout, "");
    assert.match(nothing.stderr, /nothing archived in .*\/empty/);
    const listed = await runCli(["archive", "list", "--to", `${dir}/archive`, "-o", "csv"], env);
    assert.match(
      listed.stdout,
      new RegExp(
        `^SIGNAL,DATE,ROWS,PARTS,PARQUET BYTES,TABLE BYTES,IN TABLE,EXPORTED\nlogs,${
          DAYS[2]
        },500,1,`,
      ),
    );

    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const unreachable = await runCli([
      "archive",
      "--to",
      "s3://nowhere/x",
      "--older-than-days",
      "0",
    ], {
      ...env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`,
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
    });
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(unreachable.stderr, /tracehouse archive: .*(Connection refused|connect|Poco)/i);

    const cases: [string[], Record<string, string>, RegExp][] = [
      [["archive", "--to", "s3://Bad_Bucket/x"], {}, /the bucket must be 3-63 lower-case/],
      [
        ["archive", "--to", "s3://bucket/x"],
        {},
        /needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      ],
      [["archive", "--to", "s3://bucket/../x"], {
        AWS_ACCESS_KEY_ID: "a",
        AWS_SECRET_ACCESS_KEY: "b",
      }, /prefix segments/],
      [["archive", "--to", `${dir}/a*`], {}, /Invalid archive directory/],
      [
        ["archive", "--to", "http://example.com/x"],
        {},
        /expected s3:\/\/bucket\/prefix or a directory/,
      ],
      [["archive"], {}, /Where to\? Give --to/],
      [["archive", "--to", dir, "--signal", "spans"], {}, /Unknown signal "spans"/],
      [["archive", "--to", dir, "--older-than-days", "x"], {}, /Invalid --older-than-days "x"/],
      [
        ["archive", "list", "--to", dir, "--drop-after-verify"],
        {},
        /does not apply to archive list/,
      ],
      [["archive", "restore"], {}, /Expected `archive` or `archive list`/],
    ];
    const serve = ["serve", "--port", "0", "--otlp-port", "0", "--otlp-grpc-port", "0"];
    cases.push(
      [[...serve, "--archive-after-days", "2"], {}, /--archive-after-days needs --archive-to/],
      [[...serve, "--archive-to", "s3://x"], {}, /Invalid --archive-to: Invalid archive target/],
    );
    for (const [args, extra, message] of cases) {
      const bad = await runCli(args, { ...env, ...extra });
      assert.equal(bad.code, 2, `${args.join(" ")}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
    }
  },
});
