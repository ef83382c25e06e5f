import assert from "node:assert/strict";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { decodeTracesJson } from "../otlp/json.ts";
import { PbReader } from "../otlp/pb_reader.ts";
import { RecordingStore } from "../testing/recording_store.ts";
import { createOtlpApp, type OtlpOptions } from "./otlp.ts";

const SPANS = {
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    scopeSpans: [{
      spans: [
        { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "a" },
        { traceId: "5b8efff798038103d269b633813fc60c", spanId: "0102", name: "bad" },
      ],
    }],
  }],
};
const JSON_BODY = JSON.stringify(SPANS);
const PROTO_BODY = encodeTraces(decodeTracesJson(JSON_BODY));

async function withApp(
  options: OtlpOptions,
  fn: (app: ReturnType<typeof createOtlpApp>, store: RecordingStore) => Promise<void>,
): Promise<void> {
  const store = new RecordingStore();
  const otlp = createOtlpApp(store, { batch: { maxDelayMs: 5 }, ...options });
  try {
    await fn(otlp, store);
  } finally {
    store.gate = undefined;
    await otlp.close();
  }
}

function post(path: string, body: BodyInit, headers: Record<string, string>): Request {
  return new Request(`http://otlp${path}`, { method: "POST", body, headers });
}

Deno.test("JSON request: 200 after commit, partial success for the invalid span", async () => {
  await withApp({}, async ({ app }, store) => {
    const res = await app.request(
      post("/v1/traces", JSON_BODY, { "content-type": "application/json" }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = await res.json();
    assert.equal(body.partialSuccess.rejectedSpans, "1");
    assert.match(body.partialSuccess.errorMessage, /span_id must be 8 bytes/);
    assert.equal(store.inserts.length, 1, "committed before the response");
    assert.equal(store.inserts[0].table, "otel_traces");
    assert.equal(store.inserts[0].rows.length, 1);
  });
});

Deno.test("protobuf + gzip request: protobuf partial-success response", async () => {
  await withApp({}, async ({ app }, store) => {
    const gz = await new Response(
      new Blob([PROTO_BODY]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    const res = await app.request(
      post("/v1/traces", gz, {
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    const r = new PbReader(await res.bytes());
    assert.equal(r.tag(), 10); // partial_success
    r.end();
    assert.equal(r.tag(), 8); // rejected_spans
    assert.equal(r.uint32(), 1);
    assert.equal(store.inserts[0].rows.length, 1);
  });
});

Deno.test("bad requests: 415, 405, 413, 400 with clear messages; nothing stored", async () => {
  await withApp({ maxBodyBytes: 1024, maxDecompressedBytes: 2048 }, async ({ app }, store) => {
    let res = await app.request(post("/v1/traces", "x", { "content-type": "text/plain" }));
    assert.equal(res.status, 415);
    assert.match((await res.json()).message, /Unsupported Content-Type "text\/plain"/);

    res = await app.request(
      post("/v1/traces", "{}", { "content-type": "application/json", "content-encoding": "br" }),
    );
    assert.equal(res.status, 415);
    await res.body?.cancel();

    res = await app.request("http://otlp/v1/logs", { method: "GET" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST, OPTIONS");
    await res.body?.cancel();

    res = await app.request(
      post("/v1/metrics", "x".repeat(2000), { "content-type": "application/json" }),
    );
    assert.equal(res.status, 413);
    await res.body?.cancel();

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(500));
        controller.close();
      },
    });
    res = await app.request("http://otlp/v1/traces", {
      method: "POST",
      body: chunks,
      headers: { "content-type": "application/x-protobuf" },
    });
    assert.equal(res.status, 413, "a streamed body without Content-Length is limited while read");
    await res.body?.cancel();

    const bomb = await new Response(
      new Blob([new Uint8Array(10_000)]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    res = await app.request(
      post("/v1/logs", bomb, { "content-type": "application/json", "content-encoding": "gzip" }),
    );
    assert.equal(res.status, 413, "decompressed size is limited too");
    await res.body?.cancel();

    res = await app.request(
      post("/v1/logs", "not gzip", {
        "content-type": "application/json",
        "content-encoding": "gzip",
      }),
    );
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /Cannot decompress gzip body/);

    res = await app.request(post("/v1/traces", "{", { "content-type": "application/json" }));
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /^Cannot decode OTLP JSON/);

    res = await app.request(
      post("/v1/traces", new Uint8Array([0x0a, 0x05, 0x01]), {
        "content-type": "application/x-protobuf",
      }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    await res.body?.cancel();

    res = await app.request(
      post("/v1/traces", '{"resourceSpans":{}}', { "content-type": "application/json" }),
    );
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /field "resourceSpans" must be an array/);
    assert.equal(store.inserts.length, 0);
  });
});

Deno.test("ingest token: 401 without the bearer token, 200 with it", async () => {
  await withApp({ ingestToken: "s3cret" }, async ({ app }) => {
    const headers = { "content-type": "application/json" };
    let res = await app.request(post("/v1/logs", "{}", headers));
    assert.equal(res.status, 401);
    await res.body?.cancel();
    res = await app.request(post("/v1/logs", "{}", { ...headers, authorization: "Bearer nope" }));
    assert.equal(res.status, 401);
    await res.body?.cancel();
    res = await app.request(post("/v1/logs", "{}", { ...headers, authorization: "Bearer s3cret" }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
  });
});

Deno.test("CORS: configured origins may send, other sites are refused", async () => {
  const preflight = (origin: string) =>
    new Request("http://127.0.0.1:4318/v1/traces", {
      method: "OPTIONS",
      headers: {
        origin,
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "cors",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
  const send = (origin: string, url = "http://127.0.0.1:4318/v1/traces") =>
    new Request(url, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "text/plain", origin, "sec-fetch-site": "cross-site" },
    });
  // Default: pages served from this machine (a dev server on another port) may send.
  await withApp({}, async ({ app }) => {
    const res = await app.request(preflight("http://localhost:5173"));
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:5173");
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
    // Any other web page: refused before the body is read, as a Status body.
    const evil = await app.request(preflight("https://evil.example"));
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    await evil.body?.cancel();
    const simple = await app.request(send("https://evil.example"));
    assert.equal(simple.status, 403);
    assert.equal((await simple.json()).code, 7);
  });
  await withApp({ corsOrigins: ["https://app.example"] }, async ({ app }) => {
    const post1 = await app.request(
      new Request("http://127.0.0.1:4318/v1/traces", {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json", origin: "https://app.example" },
      }),
    );
    assert.equal(post1.status, 200);
    assert.equal(post1.headers.get("access-control-allow-origin"), "https://app.example");
    await post1.body?.cancel();
    // DNS rebinding: a browser addressing the receiver by a foreign name.
    const rebound = await app.request(
      send("https://app.example", "http://attacker.example:4318/v1/traces"),
    );
    assert.equal(rebound.status, 403);
    assert.match((await rebound.json()).message, /attacker\.example/);
  });
  await withApp({ corsOrigins: "*" }, async ({ app }) => {
    const res = await app.request(preflight("https://anyone.example"));
    assert.equal(res.status, 204);
    await res.body?.cancel();
  });
});

Deno.test("full queue: 429 with Retry-After; failed insert: 503 with Retry-After", async () => {
  await withApp({ batch: { maxQueuedRows: 1, maxDelayMs: 1 } }, async ({ app }, store) => {
    let open!: () => void;
    store.gate = new Promise((resolve) => open = resolve);
    const headers = { "content-type": "application/json" };
    const first = app.request(post("/v1/traces", JSON_BODY, headers));
    await new Promise((r) => setTimeout(r, 10));
    const second = await app.request(post("/v1/traces", JSON_BODY, headers));
    assert.equal(second.status, 429);
    assert.equal(second.headers.get("retry-after"), "1");
    assert.match((await second.json()).message, /queue is full/);
    open();
    assert.equal((await first).status, 200);
    store.failWith = new Error("disk full at /var/lib/secret");
    const original = console.error;
    const logged: string[] = [];
    console.error = (...args: unknown[]) => logged.push(args.join(" "));
    try {
      const third = await app.request(post("/v1/traces", JSON_BODY, headers));
      assert.equal(third.status, 503);
      assert.equal(third.headers.get("retry-after"), "1");
      // The sender sees an id, never the engine's words; the log has both.
      const { message } = await third.json();
      assert.doesNotMatch(message, /disk full|secret/);
      const id = /error id ([0-9a-f]{12})/.exec(message)?.[1];
      assert.ok(id, message);
      assert.ok(logged.some((line) => line.includes(id) && line.includes("disk full")));
    } finally {
      console.error = original;
    }
  });
});

Deno.test("GET /metrics exposes counters in Prometheus text format", async () => {
  await withApp({}, async ({ app }) => {
    const ok = await app.request(
      post("/v1/traces", JSON_BODY, { "content-type": "application/json" }),
    );
    await ok.body?.cancel();
    const res = await app.request("http://otlp/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /tracehouse_otlp_records_accepted_total\{signal="traces"\} 1/);
    assert.match(text, /tracehouse_otlp_records_rejected_total\{signal="traces"\} 1/);
    assert.match(
      text,
      /tracehouse_otlp_requests_total\{signal="traces",encoding="json",code="200"\} 1/,
    );
    assert.match(text, /tracehouse_otlp_batch_commit_seconds_count\{table="otel_traces"\} 1/);
    assert.match(text, /tracehouse_otlp_queued_rows 0/);
  });
});
