/**
 * Kill test: a client streams spans to `main.ts serve`, the process is killed with SIGKILL
 * mid-stream and restarted on the same data directory; every span whose request got a 2xx is
 * in `otel_traces`.
 */
import assert from "node:assert/strict";
import { random } from "../bench/span_rows.ts";
import { spanRequest } from "../testing/otlp_payloads.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { startTracehouse, withStore } from "./interop/server.ts";

Deno.test({
  name: "SIGKILL mid-stream loses no acknowledged span",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-kill-" });
    const server = await startTracehouse(dataDir, { TRACEHOUSE_BATCH_MAX_DELAY_MS: "50" });
    const rand = random(7);
    const now = BigInt(Date.now()) * 1_000_000n;
    const acked = new Set<string>();
    let sent = 0;
    let killed = false;
    const client = async () => {
      while (!killed) {
        const request = spanRequest(rand, 100, now);
        const ids = request[0].scopes[0].items.map((s) => s.spanId);
        sent += ids.length;
        try {
          const res = await fetch(`${server.otlpUrl}/v1/traces`, {
            method: "POST",
            body: encodeTraces(request),
            headers: { "content-type": "application/x-protobuf" },
          });
          await res.body?.cancel();
          if (res.ok) { for (const id of ids) acked.add(id); }
        } catch {
          // The connection died with the process: not acknowledged.
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.kill();
    killed = true;
    await Promise.all(clients);
    assert.ok(acked.size > 0, "some spans were acknowledged before the kill");

    const restarted = await startTracehouse(dataDir);
    await restarted.stop();
    await withStore(dataDir, async (store) => {
      const rows = await store.query<{ SpanId: string }>("SELECT SpanId FROM otel_traces");
      const stored = new Set(rows.map((r) => r.SpanId));
      const missing = [...acked].filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged spans lost`);
      console.log(
        `kill test: ${acked.size} spans acknowledged of ${sent} sent, ${stored.size} stored`,
      );
    });
  },
});
