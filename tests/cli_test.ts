/**
 * The CLI end to end: a running Tracehouse gets telemetry from the
 * OpenTelemetry JS SDK, and `main.ts <command>` runs as a child process
 * against its API — tables, JSON/NDJSON/CSV, filters, cursors beyond the
 * first page, `logs --follow`, exit codes and bad flags.
 */
import assert from "node:assert/strict";
import { startTracehouse } from "./interop/server.ts";
import { type CliRun, runCli, sendLogs, sendTelemetry, spawnCli } from "./cli_support.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TOKEN = "cli-test-token";

function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

Deno.test({
  name: "CLI commands against a running Tracehouse",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const th = await startTracehouse(await Deno.makeTempDir({ prefix: "tracehouse-cli-" }), {
      TRACEHOUSE_QUERY_TOKEN: TOKEN,
    });
    try {
      const ui = /tracehouse: ui listening on (\S+)/.exec(th.output())?.[1];
      assert.ok(ui, th.output());
      const env = { TRACEHOUSE_URL: ui, TRACEHOUSE_QUERY_TOKEN: TOKEN };
      const cli = (...args: string[]) => runCli(args, env);
      const sent = await sendTelemetry(th.otlpUrl);
      // Ingest batches flush within ~200 ms; wait until every trace is queryable.
      for (let i = 0; i < 50; i++) {
        const r = await fetch(`${ui}/api/traces?limit=1000&from=now-15m`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = await r.json();
        if (body.traces?.length === 30) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }

      await t.step("services: table and JSON", async () => {
        const table = ok(await cli("services"));
        const lines = table.stdout.trim().split("\n");
        assert.match(lines[0], /^SERVICE\s+RATE\/S\s+ERRORS\s+P50\s+P95\s+P99/);
        assert.ok(lines.some((l) => /^checkout\s/.test(l)), table.stdout);
        assert.ok(!table.stdout.includes("\x1b["), "no colours when stdout is not a terminal");
        const json: Json[] = JSON.parse(ok(await cli("services", "-o", "json")).stdout);
        const checkout = json.find((s) => s.name === "checkout");
        assert.equal(checkout.spanCount, 50);
        assert.equal(checkout.errorCount, 10, "root and child of 5 traces");
      });

      await t.step("colours on a terminal only, and never with NO_COLOR", async () => {
        // `script` runs the CLI on a pseudo-terminal, as an interactive shell would.
        const onTty = async (extra: Record<string, string>) => {
          const out = await new Deno.Command("script", {
            args: [
              "-qec",
              `${Deno.execPath()} run -A main.ts traces --status error`,
              "/dev/null",
            ],
            cwd: new URL("..", import.meta.url).pathname,
            env: { ...env, ...extra },
            stdout: "piped",
            stderr: "piped",
          }).output();
          return new TextDecoder().decode(out.stdout);
        };
        const coloured = await onTty({});
        assert.ok(coloured.includes("\x1b[31m"), `errors in red on a terminal: ${coloured}`);
        assert.ok(coloured.includes("\x1b[1m"), "bold headers");
        const plain = await onTty({ NO_COLOR: "1" });
        assert.ok(plain.includes("TRACE ID") && !plain.includes("\x1b["), plain);
      });

      await t.step("traces: filters, table and JSON", async () => {
        const errors: Json[] = JSON.parse(
          ok(await cli("traces", "--service", "checkout", "--status", "error", "-o", "json"))
            .stdout,
        );
        assert.deepEqual(errors.map((x) => x.traceId).sort(), [...sent.errorTraces].sort());
        const table = ok(await cli("traces", "--status", "error", "--since", "15m"));
        const lines = table.stdout.trim().split("\n");
        assert.match(lines[0], /^START\s+TRACE ID\s+DURATION\s+SPANS\s+ERRORS\s+ROOT/);
        assert.equal(lines.length, 1 + sent.errorTraces.length);
        for (const id of sent.errorTraces) assert.ok(table.stdout.includes(id));
        const slow: Json[] = JSON.parse(
          ok(await cli("traces", "--min-duration", "500ms", "-o", "json")).stdout,
        );
        assert.deepEqual(slow.map((x) => x.traceId).sort(), [...sent.slowTraces].sort());
        const byAttr: Json[] = JSON.parse(
          ok(await cli("traces", "--attr", "order.id=7", "-o", "json")).stdout,
        );
        assert.deepEqual(byAttr.map((x) => x.traceId), [sent.checkoutTraces[7]]);
        const byOp: Json[] = JSON.parse(
          ok(await cli("traces", "--operation", "GET /stock", "-o", "json")).stdout,
        );
        assert.equal(byOp.length, 5);
      });

      await t.step("traces: --limit counts rows across cursor pages", async () => {
        const run = ok(await cli("traces", "--limit", "23", "--page-size", "5", "-o", "ndjson"));
        const ids = run.stdout.trim().split("\n").map((l) => JSON.parse(l).traceId);
        assert.equal(ids.length, 23);
        assert.equal(new Set(ids).size, 23, "no trace twice across pages");
        const all = ok(await cli("traces", "--page-size", "7", "-o", "ndjson")).stdout.trim()
          .split("\n").map((l) => JSON.parse(l).traceId);
        assert.deepEqual(
          all.sort(),
          [...sent.checkoutTraces, ...sent.slowTraces].sort(),
          "walking 7 per page returns every trace once",
        );
        const starts = run.stdout.trim().split("\n").map((l) => JSON.parse(l).start);
        assert.deepEqual(starts, [...starts].sort().reverse(), "newest first across pages");
      });

      await t.step("trace: waterfall with errors and logs, JSON", async () => {
        const id = sent.errorTraces[1];
        const run = ok(await cli("trace", id, "--logs", "--width", "100"));
        const lines = run.stdout.split("\n");
        assert.match(lines[0], new RegExp(`^trace ${id} .* 2 spans\\s+2 errors`));
        const root = lines.find((l) => l.startsWith("POST /orders"));
        const child = lines.find((l) => l.includes("└─ charge card ✗"));
        assert.ok(root && child, run.stdout);
        assert.match(root, /checkout\s+10\.00ms\s+█/);
        assert.match(child, /checkout\s+6\.00ms\s+ +█+$/);
        assert.ok(lines.every((l) => l.length <= 100), "fits the width");
        assert.ok(
          lines.some((l) => /· .* ERROR order 5 failed: card declined/.test(l)),
          run.stdout,
        );
        const json = JSON.parse(ok(await cli("trace", id, "-o", "json")).stdout);
        assert.equal(json.spans.length, 2);
        const csv = ok(await cli("trace", id, "-o", "csv")).stdout.trim().split("\n");
        assert.equal(csv[0], "start,spanId,parentSpanId,service,name,kind,durationNs,statusCode");
        assert.equal(csv.length, 3);
      });

      await t.step("logs: filters, CSV, cursors", async () => {
        const errors: Json[] = JSON.parse(
          ok(await cli("logs", "--severity", "error", "-o", "json")).stdout,
        );
        assert.equal(errors.length, 5);
        assert.ok(errors.every((l) => l.body.includes("card declined")));
        const grep = ok(await cli("logs", "--grep", "ORDER 12 PAID", "-o", "csv")).stdout.trim()
          .split("\n");
        assert.equal(grep[0], "TIME,SEVERITY,SERVICE,TRACE ID,BODY");
        assert.equal(grep.length, 2);
        assert.match(grep[1], /,INFO,checkout,[0-9a-f]{32},order 12 paid$/);
        const paged = ok(await cli("logs", "--limit", "11", "--page-size", "4", "-o", "ndjson"));
        const bodies = paged.stdout.trim().split("\n").map((l) => JSON.parse(l).body);
        assert.equal(new Set(bodies).size, 11);
        const table = ok(
          await cli("logs", "--service", "checkout", "--trace-id", sent.errorTraces[0]),
        );
        assert.match(table.stdout, /^TIME\s+SEVERITY\s+SERVICE\s+TRACE ID\s+BODY\n/);
        assert.match(table.stdout, /ERROR\s+checkout\s+[0-9a-f]{32}\s+order 0 failed/);
      });

      await t.step("logs --follow prints records that arrive later, once each", async () => {
        const child = spawnCli(
          ["logs", "--follow", "--service", "follow", "--interval", "200ms", "-o", "ndjson"],
          env,
        );
        const seen: string[] = [];
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        const waitFor = async (n: number) => {
          const deadline = Date.now() + 20_000;
          while (seen.length < n && Date.now() < deadline) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            const lines = buffer.split("\n");
            buffer = lines.pop()!;
            for (const line of lines) seen.push(JSON.parse(line).body);
          }
        };
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await sendLogs(th.otlpUrl, ["followed 1", "followed 2"]);
        await waitFor(2);
        await sendLogs(th.otlpUrl, ["followed 3"]);
        await waitFor(3);
        // A few more polls: nothing may be printed twice.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        child.kill("SIGTERM");
        await waitFor(99);
        const status = await child.status;
        await child.stderr.cancel();
        assert.deepEqual(seen, ["followed 1", "followed 2", "followed 3"]);
        assert.equal(status.code, 0);
      });

      await t.step("metrics: list and query", async () => {
        const list = ok(await cli("metrics"));
        assert.match(list.stdout, /^NAME\s+TYPE\s+UNIT\s+SERVICES/);
        assert.match(list.stdout, /checkout\.duration\s+histogram\s+ms\s+checkout/);
        const query = JSON.parse(
          ok(
            await cli(
              "metrics",
              "query",
              "checkout.duration",
              "--agg",
              "count",
              "--step",
              "1m",
              "--source",
              "raw",
              "--group-by",
              "service",
              "-o",
              "json",
            ),
          ).stdout,
        );
        assert.deepEqual(query.series, [{ labels: { service: "checkout" } }]);
        const count = (query.data[1] as (number | null)[]).reduce<number>(
          (a, v) => a + (v ?? 0),
          0,
        );
        assert.equal(count, 4);
        const table = ok(
          await cli(
            "metrics",
            "query",
            "checkout.duration",
            "--agg",
            "count",
            "--step",
            "1m",
            "--source",
            "raw",
            "--group-by",
            "service",
          ),
        );
        assert.match(
          table.stdout,
          /^checkout\.duration count \(ms\), step 60s, raw\nTIME\s+service=checkout\n/,
        );
        const rows = ok(
          await cli(
            "metrics",
            "query",
            "checkout.duration",
            "--agg",
            "count",
            "--step",
            "1m",
            "--source",
            "raw",
            "-o",
            "ndjson",
          ),
        ).stdout.trim().split("\n").map((l) => JSON.parse(l));
        assert.equal(rows.reduce((a, r) => a + r.value, 0), 4);
      });

      await t.step("errors: groups and one group, when the server has /api/errors", async () => {
        const probe = await fetch(`${ui}/api/errors?from=now-15m`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = await probe.json();
        if (probe.status === 404) {
          // A server from before error groups: a clear server error, not a crash.
          assert.match(body.error.message, /No route/);
          const run = await cli("errors");
          assert.equal(run.code, 3);
          assert.match(run.stderr, /has no error-groups API \(\/api\/errors\)/);
          return;
        }
        assert.equal(probe.status, 200, JSON.stringify(body));
        const groups: Json[] = JSON.parse(
          ok(await cli("errors", "--since", "15m", "-o", "json")).stdout,
        );
        assert.deepEqual(
          groups.map((g) => g.fingerprint),
          body.groups.map((g: Json) => g.fingerprint),
        );
        assert.ok(groups.length > 0 && groups.every((g) => g.services.includes("checkout")));
        const paged = ok(await cli("errors", "--since", "15m", "--page-size", "1", "-o", "ndjson"));
        assert.equal(paged.stdout.trim().split("\n").length, groups.length, "cursor pages");
        const table = ok(await cli("errors", "--since", "15m")).stdout.trim().split("\n");
        assert.match(table[0], /^LAST SEEN\s+FINGERPRINT\s+COUNT\s+TREND\s+SERVICES\s+ERROR/);
        assert.equal(table.length, 1 + groups.length);
        const detail = ok(await cli("errors", groups[0].fingerprint, "--since", "15m"));
        assert.match(
          detail.stdout,
          new RegExp(`fingerprint ${groups[0].fingerprint}\\s+${groups[0].count} occurrences`),
        );
        assert.match(detail.stdout, /\nTIME\s+SOURCE\s+SERVICE\s+TRACE ID\s+NAME\s+MESSAGE\n/);
        const none = await cli("errors", "0000000000000000");
        assert.equal(none.code, 1);
      });

      await t.step("exit codes: empty, usage, server and auth", async () => {
        const empty = await cli("traces", "--service", "nobody", "--fail-empty");
        assert.equal(empty.code, 1);
        assert.equal(empty.stdout, "");
        assert.match(empty.stderr, /no results/);
        assert.equal((await cli("traces", "--service", "nobody")).code, 0);
        const unknownTrace = await cli("trace", "0123456789abcdef0123456789abcdef");
        assert.equal(unknownTrace.code, 1);
        assert.match(unknownTrace.stderr, /not found/);
        const cases: [string[], RegExp][] = [
          [["traces", "--bogus"], /Unknown option '--bogus'/],
          [
            ["traces", "--status", "maybe"],
            /Invalid --status "maybe": expected one of ok, error, unset/,
          ],
          [["traces", "--since", "5x"], /Invalid --since: expected a duration like 30s/],
          [
            ["traces", "--since", "1h", "--from", "now-2h"],
            /--since and --from exclude each other/,
          ],
          [["traces", "--limit", "0"], /Invalid --limit "0"/],
          [["traces", "--min-duration", "fast"], /Invalid --min-duration "fast"/],
          [["traces", "--attr", "novalue"], /Invalid --attr "novalue": expected key=value/],
          [["logs", "--severity", "loud"], /Invalid --severity "loud"/],
          [["logs", "--follow", "-o", "json"], /--follow prints one record per line/],
          [["trace"], /trace takes one argument/],
          [["trace", "xyz"], /Invalid trace id "xyz"/],
          [["metrics", "query"], /Expected `metrics` or `metrics query <name>`/],
          [["metrics", "--agg", "p95"], /--agg applies to `metrics query <name>` only/],
          [
            ["services", "-o", "yaml"],
            /Invalid --output "yaml": expected one of table, json, ndjson, csv/,
          ],
          [["services", "--url", "ftp://x"], /Invalid --url "ftp:\/\/x"/],
          [["services", "--token-file", "/nonexistent/token"], /Cannot read --token-file/],
          [["completion", "fish"], /completion takes one argument: bash or zsh/],
          [["errors", "not-a-fingerprint"], /Invalid fingerprint "not-a-fingerprint"/],
        ];
        for (const [args, message] of cases) {
          const run = await cli(...args);
          assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
          assert.match(run.stderr, message, args.join(" "));
          assert.equal(run.stdout, "", "usage errors print nothing on stdout");
        }
        const noToken = await runCli(["services"], { TRACEHOUSE_URL: ui });
        assert.equal(noToken.code, 3);
        assert.match(noToken.stderr, /answered 401.*TRACEHOUSE_QUERY_TOKEN/);
        const tokenFile = await Deno.makeTempFile();
        await Deno.writeTextFile(tokenFile, `${TOKEN}\n`);
        ok(await runCli(["services", "--token-file", tokenFile], { TRACEHOUSE_URL: ui }));
        const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const closedPort = (listener.addr as Deno.NetAddr).port;
        listener.close();
        const down = await runCli(["services", "--url", `http://127.0.0.1:${closedPort}`]);
        assert.equal(down.code, 3);
        assert.match(down.stderr, /Cannot reach Tracehouse at http:\/\/127\.0\.0\.1:\d+/);
        const noArchive = await cli("traces", "--archive");
        assert.equal(noArchive.code, 3);
        assert.match(noArchive.stderr, /serves no archive: start it with --archive-to/);
        const badRange = await cli("traces", "--from", "now-100d");
        assert.equal(badRange.code, 3, "the server's 400 is a server answer");
        assert.match(badRange.stderr, /answered 400/);
      });

      await t.step("help and completion", async () => {
        for (
          const command of ["services", "traces", "trace", "logs", "metrics", "errors", "archive"]
        ) {
          const help = ok(await cli(command, "--help"));
          assert.match(help.stdout, new RegExp(`^Usage: tracehouse ${command}`));
          assert.match(help.stdout, /\nExamples:\n {2}tracehouse /);
          assert.match(help.stdout, /Exit codes: 0 ok, 1 no results/);
        }
        const main = ok(await runCli(["--help"]));
        assert.match(main.stdout, /\n {2}traces +search traces/);
        const bash = ok(await cli("completion", "bash")).stdout;
        assert.match(bash, /complete -F _tracehouse tracehouse/);
        assert.match(bash, /traces\) flags="[^"]*--min-duration/);
        const file = await Deno.makeTempFile({ suffix: ".bash" });
        await Deno.writeTextFile(file, bash);
        const syntax = await new Deno.Command("bash", { args: ["-n", file] }).output();
        assert.equal(syntax.code, 0, new TextDecoder().decode(syntax.stderr));
        const completed = await new Deno.Command("bash", {
          args: [
            "-c",
            `source ${file}; COMP_WORDS=(tracehouse traces --min-d); COMP_CWORD=2; _tracehouse; echo "\${COMPREPLY[@]}"`,
          ],
          stdout: "piped",
        }).output();
        assert.equal(new TextDecoder().decode(completed.stdout).trim(), "--min-duration");
        const zsh = ok(await cli("completion", "zsh")).stdout;
        assert.match(zsh, /^#compdef tracehouse\n/);
        assert.match(
          zsh,
          /'--min-duration\[a span at least this long, e\.g\. 500ms\]:<duration>:'/,
        );
      });
    } finally {
      await th.stop();
    }
  },
});
