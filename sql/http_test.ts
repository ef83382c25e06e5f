import assert from "node:assert/strict";
import { type EndpointProcess, startEndpointProcess } from "../clickhouse_http/test_server.ts";
import { HttpStore } from "./http.ts";
import { ClickHouseError } from "./store.ts";
import { defineStoreTests, rejection } from "../testing/store_suite.ts";

// The remote engine against Tracehouse's own ClickHouse HTTP endpoint over a
// fresh embedded engine (in a child process: chDB serves one data path per
// process). Each test gets its own database.
let endpoint: Promise<EndpointProcess> | undefined;
let databases = 0;

function server(): Promise<EndpointProcess> {
  endpoint ??= startEndpointProcess({
    username: "suite",
    password: "s3cret",
    allowSchemaChanges: true,
  });
  return endpoint;
}

async function openStore(): Promise<HttpStore> {
  const { url } = await server();
  return await HttpStore.open({
    url,
    username: "suite",
    password: "s3cret",
    database: `remote_suite_${++databases}`,
  });
}

defineStoreTests("remote", openStore);

Deno.test({
  name: "remote: open creates the database; wrong credentials are a typed error",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { url } = await server();
    const store = await HttpStore.open({
      url,
      username: "suite",
      password: "s3cret",
      database: "remote_created",
    });
    try {
      const [row] = await store.query<{ db: string }>("SELECT currentDatabase() AS db");
      assert.equal(row.db, "remote_created");
    } finally {
      await store.close();
    }
    const error = await rejection(
      HttpStore.open({ url, username: "suite", password: "wrong", database: "x" }),
      ClickHouseError,
    );
    assert.equal(error.code, 516);
    assert.equal(error.type, "AUTHENTICATION_FAILED");
  },
});

Deno.test("remote: an unreachable server is a clear error at open", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const url = `http://127.0.0.1:${port}`;
  const error = await rejection(HttpStore.open({ url }), Error);
  assert.match(error.message, new RegExp(`^Cannot reach ClickHouse at ${url}: `));
});

Deno.test({
  name: "remote: Native and JSONEachRow inserts agree",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const store = await openStore();
    try {
      await store.command("CREATE TABLE both_formats (n UInt64, s String) ENGINE = Memory");
      const columns = [{ name: "n", type: "UInt64" }, { name: "s", type: "String" }];
      const rows = [{ n: 18446744073709551615n, s: "tab\there" }, { n: 1n, s: "ü\n" }];
      await store.insert("both_formats", rows, { columns });
      await store.insert("both_formats", rows, { columns, format: "JSONEachRow" });
      const got = await store.query(
        "SELECT n, s, count() AS c FROM both_formats GROUP BY n, s ORDER BY n",
      );
      assert.deepEqual(got, [
        { n: "1", s: "ü\n", c: "2" },
        { n: "18446744073709551615", s: "tab\there", c: "2" },
      ]);
    } finally {
      await store.close();
    }
  },
});

Deno.test({
  name: "remote: stop the endpoint process",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (!endpoint) return;
    const process = await endpoint;
    assert.ok(process.alive(), process.stderr());
    await process.close();
  },
});
