import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startEndpointProcess } from "./test_server.ts";

// The collector's clickhouseexporter talks to ClickHouse through clickhouse-go
// v2 (v2.47.0 at contrib v0.161.0). This builds a small program with that
// library (testdata/clickhouse_go) and runs it against the endpoint over
// HTTP with `compress: none` (and `gzip`), recording the requests it sends on the way.
// Needs Go and its module proxy; set TRACEHOUSE_SKIP_GO_TESTS=1 to skip.

function haveGo(): boolean {
  if (Deno.env.get("TRACEHOUSE_SKIP_GO_TESTS") === "1") return false;
  try {
    return new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

interface Seen {
  method: string;
  params: URLSearchParams;
  headers: Headers;
  body: Uint8Array;
}

Deno.test({
  name: "clickhouse-go over HTTP: batch inserts and queries through the endpoint",
  ignore: !haveGo(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = fileURLToPath(new URL("./testdata/clickhouse_go/", import.meta.url));
    const out = await Deno.makeTempDir({ prefix: "tracehouse-chgo-" });
    const binary = `${out}/clickhouse_go`;
    const build = await new Deno.Command("go", { args: ["build", "-o", binary, "."], cwd: dir })
      .output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));

    const endpoint = await startEndpointProcess({
      username: "otel",
      password: "secret",
      allowSchemaChanges: true,
    });
    const seen: Seen[] = [];
    // A recording pass-through in front of the endpoint.
    const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const url = new URL(req.url);
      const body = new Uint8Array(await req.arrayBuffer());
      seen.push({ method: req.method, params: url.searchParams, headers: req.headers, body });
      const response = await fetch(`${endpoint.url}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body: body.length > 0 ? body : undefined,
      });
      return new Response(await response.arrayBuffer(), {
        status: response.status,
        headers: response.headers,
      });
    });
    try {
      for (const compression of ["none", "gzip"]) {
        seen.length = 0;
        const run = await new Deno.Command(binary, {
          args: [`127.0.0.1:${proxy.addr.port}`, "otel", "secret", compression],
        }).output();
        const stderr = new TextDecoder().decode(run.stderr);
        assert.ok(run.success, `${compression}: ${stderr}\n${endpoint.stderr()}`);
        const result = JSON.parse(new TextDecoder().decode(run.stdout));
        assert.equal(result.count, 10_000);
        assert.equal(result.unique, 10_000);
        assert.equal(result.duration, 499_950_000);
        assert.equal(result.service, "svc-2");
        assert.equal(result.route, "/r/1");
        assert.equal(result.timestamp, 1_700_000_000_000_007_000);
        assert.deepEqual(result.events, ["exception"]);
        assert.ok(result.columns.includes("Attributes Map(LowCardinality(String), String)"));
        assert.match(result.badQuery, /\[HTTP 400\].*Code: 62\. DB::Exception: Syntax error/s);

        // What clickhouse-go sends: every request a POST with Basic auth, Native
        // output for its protocol revision, settings from the DSN as URL parameters.
        for (const request of seen) {
          assert.equal(request.method, "POST");
          assert.match(request.headers.get("authorization") ?? "", /^Basic /);
          assert.equal(request.params.get("default_format"), "Native");
          assert.equal(request.params.get("client_protocol_version"), "54460");
          assert.equal(request.params.get("database"), "default");
          assert.equal(request.params.get("async_insert"), "false");
        }
        const inserts = seen.filter((r) => r.params.get("query")?.startsWith("INSERT"));
        assert.equal(inserts.length, 2);
        for (const insert of inserts) {
          // The statement in the URL, the rows in the body as one Native block
          // (revision 0), gzip-compressed with `compress: gzip`.
          assert.match(
            insert.params.get("query")!,
            new RegExp(
              `^INSERT INTO "otel"."spans_${compression}" \\(\\n[\\s\\S]*\\) FORMAT Native$`,
            ),
          );
          assert.equal(insert.headers.get("content-type"), "application/octet-stream");
          if (compression === "gzip") {
            assert.equal(insert.headers.get("content-encoding"), "gzip");
            assert.deepEqual([...insert.body.subarray(0, 2)], [0x1f, 0x8b]);
          } else {
            assert.equal(insert.body[0], 8); // 8 columns
          }
        }
        // Everything else carries the statement in the body, with no Content-Type.
        const statements = seen.filter((r) => !r.params.has("query"))
          .map((r) => new TextDecoder().decode(r.body));
        assert.ok(statements.includes("SELECT displayName(), version(), revision(), timezone()"));
        assert.ok(statements.includes(`DESCRIBE TABLE "otel"."spans_${compression}"`));
      }
      assert.ok(endpoint.alive());
    } finally {
      await proxy.shutdown();
      await endpoint.close();
      await Deno.remove(out, { recursive: true });
    }
  },
});
