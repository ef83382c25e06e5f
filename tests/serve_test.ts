/**
 * The command line as a user runs it: `main.ts` in a child process.
 */
import assert from "node:assert/strict";
import { VERSION } from "../version.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Starts `serve` on free ports and resolves with the announced URLs. */
async function startServe(
  dataDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--port",
      "0",
      "--otlp-port",
      "0",
      "--otlp-grpc-port",
      "0",
      ...extra,
    ],
    env: { TRACEHOUSE_DATA: dataDir, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const urls: Record<string, string> = {};
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!("otlp-grpc" in urls)) {
    const { value, done } = await lines.read();
    if (done) break;
    buffered += value;
    for (const match of buffered.matchAll(/tracehouse: ([\w-]+) listening on (\S+)/g)) {
      urls[match[1]] = match[2];
    }
  }
  lines.releaseLock();
  return { child, urls };
}

Deno.test("cli: --help, version and bad input", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /TRACEHOUSE_PORT/);
  assert.match(help.stdout, /migrate/);
  const version = await run(["version"]);
  assert.equal(version.stdout.trim(), VERSION);
  const badFlag = await run(["serve", "--port", "eighty"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Invalid --port "eighty"/);
  const badEnv = await run(["migrate"], { TRACEHOUSE_RETENTION_LOGS_DAYS: "-3" });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /Invalid TRACEHOUSE_RETENTION_LOGS_DAYS "-3"/);
  const unknown = await run(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

Deno.test("cli: migrate applies the schema once", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-cli-" });
  const first = await run(["migrate"], { TRACEHOUSE_DATA: data });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /applied: 001_traces, 002_logs, 003_metrics/);
  const second = await run(["migrate"], { TRACEHOUSE_DATA: data });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /schema is up to date/);
});

Deno.test("serve: probes answer, a second process on the same data is refused, SIGTERM stops cleanly", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
  const { child, urls } = await startServe(data);
  try {
    assert.ok(urls.ui && urls.otlp && urls["otlp-grpc"], JSON.stringify(urls));
    const health = await fetch(`${urls.ui}/healthz`);
    assert.deepEqual(await health.json(), { status: "ok" });
    const ready = await fetch(`${urls.ui}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).status, "ready");
    const missing = await fetch(`${urls.ui}/no/such/page`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");

    const second = await run(
      ["serve", "--port", "0", "--otlp-port", "0", "--otlp-grpc-port", "0"],
      {
        TRACEHOUSE_DATA: data,
      },
    );
    assert.equal(second.code, 1);
    assert.match(second.stderr, /Cannot open data directory ".*": it is in use by another process/);
  } finally {
    await stop(child);
  }
});

Deno.test("cli: migrate adds and drops the opt-in trace-id projection", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-cli-" });
  const on = await run(["migrate", "--trace-id-projection", "on"], { TRACEHOUSE_DATA: data });
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /trace-id projection added/);
  const again = await run(["migrate"], {
    TRACEHOUSE_DATA: data,
    TRACEHOUSE_TRACE_ID_PROJECTION: "on",
  });
  assert.doesNotMatch(again.stdout, /projection/);
  const off = await run(["migrate"], {
    TRACEHOUSE_DATA: data,
    TRACEHOUSE_TRACE_ID_PROJECTION: "off",
  });
  assert.match(off.stdout, /trace-id projection dropped/);
  const bad = await run(["migrate", "--trace-id-projection", "yes"], { TRACEHOUSE_DATA: data });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid --trace-id-projection "yes": expected on or off/);
});

Deno.test("serve: a port in use is a clear error naming the setting", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
    const { port } = taken.addr as Deno.NetAddr;
    const result = await run(["serve", "--otlp-grpc-port", "off", "--otlp-port", "0"], {
      TRACEHOUSE_DATA: data,
      TRACEHOUSE_PORT: String(port),
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port} \\(TRACEHOUSE_PORT\\)`),
    );
  } finally {
    taken.close();
  }
});

Deno.test("serve: a taken ClickHouse HTTP port is a clear error naming the setting", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
    const { port } = taken.addr as Deno.NetAddr;
    const result = await run([
      "serve",
      "--port",
      "0",
      "--otlp-port",
      "0",
      "--otlp-grpc-port",
      "0",
      "--clickhouse-http",
      `127.0.0.1:${port}`,
    ], { TRACEHOUSE_DATA: data });
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port} \\(TRACEHOUSE_CLICKHOUSE_HTTP\\)`),
    );
  } finally {
    taken.close();
  }
});

/** Stops a child started by {@linkcode startServe} and checks it exits cleanly. */
async function stop(child: Deno.ChildProcess) {
  child.kill("SIGTERM");
  const status = await child.status;
  await child.stderr.cancel();
  await child.stdout.cancel().catch(() => {});
  assert.equal(status.code, 0);
}

Deno.test("serve: a non-loopback address without both tokens refuses to start", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
  for (
    const [args, env] of [
      [["serve", "--host", "0.0.0.0"], {}],
      [["serve"], { TRACEHOUSE_HOST: "::", TRACEHOUSE_INGEST_TOKEN: "i" }],
      [["serve", "--host", "192.0.2.10", "--query-token", "q"], {}],
    ] as [string[], Record<string, string>][]
  ) {
    const result = await run(args, { TRACEHOUSE_DATA: data, ...env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Refusing to listen on .* without TRACEHOUSE_/);
    assert.match(result.stderr, /--allow-insecure-bind/);
    assert.doesNotMatch(result.stdout, /listening/);
  }
});

Deno.test("serve: tokens from files guard every door; the secrets are not in the command line", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
  const queryToken = "q-" + crypto.randomUUID();
  const ingestToken = "i-" + crypto.randomUUID();
  await Deno.writeTextFile(`${data}/query.token`, `${queryToken}\n`);
  await Deno.writeTextFile(`${data}/ingest.token`, ingestToken);
  const { child, urls } = await startServe(data, ["--query-token-file", `${data}/query.token`], {
    TRACEHOUSE_INGEST_TOKEN_FILE: `${data}/ingest.token`,
  });
  try {
    const cmdline = await Deno.readTextFile(`/proc/${child.pid}/cmdline`);
    assert.ok(!cmdline.includes(queryToken) && !cmdline.includes(ingestToken));
    // Dashboard: to the login form; /api: 401; probes open.
    const page = await fetch(`${urls.ui}/logs`, { redirect: "manual" });
    assert.equal(page.status, 303);
    assert.equal(page.headers.get("location"), "/login?next=%2Flogs");
    await page.body?.cancel();
    const api = await fetch(`${urls.ui}/api/services`);
    assert.equal(api.status, 401);
    await api.body?.cancel();
    assert.equal((await fetch(`${urls.ui}/readyz`)).status, 200);
    const withBearer = await fetch(`${urls.ui}/api/services`, {
      headers: { authorization: `Bearer ${queryToken}` },
    });
    assert.equal(withBearer.status, 200);
    await withBearer.body?.cancel();
    // Login over the wire, then the page with the cookie.
    const login = await fetch(`${urls.ui}/login`, {
      method: "POST",
      body: new URLSearchParams({ token: queryToken, next: "/logs" }),
      headers: { origin: urls.ui },
      redirect: "manual",
    });
    assert.equal(login.status, 303);
    await login.body?.cancel();
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const logs = await fetch(`${urls.ui}/logs`, { headers: { cookie } });
    assert.equal(logs.status, 200);
    await logs.body?.cancel();
    // OTLP: the ingest token, not the query token.
    const send = (token: string) =>
      fetch(`${urls.otlp}/v1/logs`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });
    const wrong = await send(queryToken);
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const right = await send(ingestToken);
    assert.equal(right.status, 200);
    await right.body?.cancel();
  } finally {
    await stop(child);
  }
});

Deno.test("serve: a slow-loris connection is closed at the deadline while normal clients are served", async () => {
  const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
  const { child, urls } = await startServe(data, ["--headers-timeout-ms", "1000"]);
  try {
    for (const base of [urls.ui, urls.otlp]) {
      const { hostname, port } = new URL(base);
      const conn = await Deno.connect({ hostname, port: Number(port) });
      const started = performance.now();
      await conn.write(new TextEncoder().encode(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n`));
      const drip = setInterval(() => {
        conn.write(new TextEncoder().encode("X-Drip: 1\r\n")).catch(() => {});
      }, 200);
      try {
        const normal = await fetch(`${urls.ui}/healthz`);
        assert.equal(normal.status, 200);
        await normal.body?.cancel();
        const buffer = new Uint8Array(512);
        let text = "";
        while (true) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) break;
          text += new TextDecoder().decode(buffer.subarray(0, n));
        }
        const elapsed = performance.now() - started;
        assert.match(text, /^HTTP\/1\.1 408 /, base);
        assert.ok(elapsed < 3000, `closed after ${Math.round(elapsed)} ms`);
      } finally {
        clearInterval(drip);
        conn.close();
      }
    }
  } finally {
    await stop(child);
  }
});

Deno.test("cli: credentials in CLICKHOUSE_URL are used but never printed", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = closed.addr as Deno.NetAddr;
  closed.close();
  const result = await run(["migrate"], {
    CLICKHOUSE_URL: `http://tracehouse:hunter2@127.0.0.1:${port}`,
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(`Cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port}`),
  );
  assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
});

for (
  const [label, extra] of [
    ["the receiver on its own thread", []],
    ["one shared engine connection, the receiver on the main thread", [
      "--engine-connections",
      "shared",
    ]],
  ] as const
) {
  Deno.test(`serve: acknowledged spans are queryable at once (${label})`, async () => {
    const data = await Deno.makeTempDir({ prefix: "tracehouse-serve-" });
    const { child, urls } = await startServe(data, [...extra]);
    try {
      let seed = 5;
      const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      const groups = spanRequest(rand, 10, BigInt(Date.now()) * 1_000_000n);
      const traceId = groups[0].scopes[0].items[1].traceId;
      const answer = await fetch(`${urls.otlp}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: encodeTraces(groups),
      });
      await answer.arrayBuffer();
      assert.equal(answer.status, 200);
      // An acknowledgement means committed: the UI's own connections see the trace right away.
      const trace = await fetch(`${urls.ui}/api/traces/${traceId}`);
      assert.equal(trace.status, 200);
      const { spans } = await trace.json();
      assert.equal(spans.length, 9); // the tenth span of the request starts a trace of its own
    } finally {
      await stop(child);
    }
  });
}
