/**
 * A real SDK client at a steady rate: collector-contrib's `telemetrygen` (v0.161.0, built from
 * its Go module by `.ci/setup.d/65-telemetrygen.sh`; the Go SDK's batch span processor, which
 * exports one batch at a time and drops spans when its queue is full), 4 workers × 200 traces/s
 * × 4 spans, over OTLP/HTTP and OTLP/gRPC. First against a sink that counts the spans and
 * answers at once (what the client can deliver at all), then against `main.ts serve` (after a
 * short warm-up run): every span the sink received must be stored. With acknowledgements that always waited for a 200 ms
 * batch age, a fifth of them were lost in the client.
 */
import assert from "node:assert/strict";
import { requireTool, run } from "../collector/test_support.ts";
import { decodeTracesProto } from "../otlp/pb_traces.ts";
import { encodeExportResponse } from "../otlp/pb_response.ts";
import { serveOtlpGrpc } from "../otlp/grpc.ts";
import type { OtlpIngest } from "../otlp/ingest.ts";
import { IngestTelemetry } from "../otlp/telemetry.ts";
import { startTracehouse, withStore } from "./interop/server.ts";

const hasGo = await requireTool("go", ["version"]);
const ROOT = new URL("../", import.meta.url).pathname;
const WORKERS = 4;
const TRACES_PER_SECOND = 200; // per worker
const TRACES = 500; // per worker: 2.5 s at the rate
const SPANS_PER_TRACE = 4; // the root and 3 children
const EXPECTED = WORKERS * TRACES * SPANS_PER_TRACE;

async function telemetrygen(): Promise<string> {
  const out = await run("bash", [`${ROOT}.ci/setup.d/65-telemetrygen.sh`]);
  return out.stdout.trim().split("\n").at(-1)!;
}

async function generate(
  bin: string,
  endpoint: string,
  http: boolean,
  service: string,
  traces = TRACES,
) {
  const args = [
    "traces",
    "--otlp-endpoint",
    endpoint,
    "--otlp-insecure",
    "--workers",
    String(WORKERS),
    // telemetrygen's rate limiter counts every span, root and children alike.
    "--rate",
    String(TRACES_PER_SECOND * SPANS_PER_TRACE),
    "--traces",
    String(traces),
    "--child-spans",
    String(SPANS_PER_TRACE - 1),
    "--service",
    service,
  ];
  if (http) args.push("--otlp-http");
  const result = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  const log = new TextDecoder().decode(result.stderr);
  assert.ok(result.success, `telemetrygen failed:\n${log}`);
  return log;
}

/** Spans committed so far, from the receiver's self-telemetry. */
async function acceptedSpans(otlpUrl: string): Promise<number> {
  const text = await (await fetch(`${otlpUrl}/metrics`)).text();
  const match = /^tracehouse_otlp_records_accepted_total\{signal="traces"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

function countSpans(body: Uint8Array): number {
  let n = 0;
  for (const group of decodeTracesProto(body)) {
    for (const scope of group.scopes) n += scope.items.length;
  }
  return n;
}

/** A sink that counts spans and answers at once, over HTTP and gRPC. */
async function instantSink() {
  let spans = 0;
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    spans += countSpans(await req.bytes());
    return new Response(encodeExportResponse(0, "") as BodyInit, {
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  const ingest = {
    telemetry: new IngestTelemetry(),
    checkRoom() {},
    export(_signal: string, body: Uint8Array) {
      spans += countSpans(body);
      return Promise.resolve({ accepted: 0, rejected: 0, message: "" });
    },
  } as unknown as OtlpIngest;
  const grpc = await serveOtlpGrpc(ingest, { hostname: "127.0.0.1", port: 0 });
  return {
    httpEndpoint: `127.0.0.1:${http.addr.port}`,
    grpcEndpoint: `127.0.0.1:${grpc.port}`,
    take() {
      const n = spans;
      spans = 0;
      return n;
    },
    async close() {
      await http.shutdown();
      await grpc.shutdown();
    },
  };
}

Deno.test({
  name: "telemetrygen over HTTP and gRPC: Tracehouse stores every span an instant sink receives",
  ignore: !hasGo,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const bin = await telemetrygen();
    const sink = await instantSink();
    const received: Record<string, number> = {};
    try {
      for (const transport of ["http", "grpc"]) {
        await generate(
          bin,
          transport === "http" ? sink.httpEndpoint : sink.grpcEndpoint,
          transport === "http",
          "sink",
        );
        received[transport] = sink.take();
      }
    } finally {
      await sink.close();
    }
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-telemetrygen-" });
    const server = await startTracehouse(dataDir);
    const runs: { transport: string; service: string; accepted: number }[] = [];
    try {
      // The gRPC server announces itself after the HTTP one.
      const grpcLine = /tracehouse: otlp-grpc listening on http:\/\/(\S+)/;
      for (let i = 0; i < 200 && !grpcLine.test(server.output()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const grpcUrl = grpcLine.exec(server.output());
      assert.ok(grpcUrl, server.output());
      // A short run first, as a server that has been up a while is warm: the first requests of a
      // fresh process pay for JIT compilation and the tables' first parts.
      await generate(bin, new URL(server.otlpUrl).host, true, "warm-up", 100);
      // Keeping up takes an acknowledgement every ~31 ms on average (exports of 100 spans, one at
      // a time, 3,200 spans/s): a machine loaded several times over its cores can miss that for a
      // whole run, so each transport gets up to three runs and one must store every span. With
      // acknowledgements that wait for a 200 ms batch age every run loses thousands.
      for (const transport of ["http", "grpc"]) {
        for (let attempt = 1; attempt <= 3; attempt++) {
          const service = `tg-${transport}-${attempt}`;
          const before = await acceptedSpans(server.otlpUrl);
          const endpoint = transport === "http" ? new URL(server.otlpUrl).host : grpcUrl[1];
          await generate(bin, endpoint, transport === "http", service);
          const accepted = await acceptedSpans(server.otlpUrl) - before;
          runs.push({ transport, service, accepted });
          if (accepted === EXPECTED) break;
        }
      }
    } finally {
      await server.stop();
    }
    const stored = await withStore(dataDir, async (store) => {
      const rows = await store.query<{ ServiceName: string; n: string }>(
        "SELECT ServiceName, count() AS n FROM otel_traces GROUP BY ServiceName",
      );
      return Object.fromEntries(rows.map((r) => [r.ServiceName, Number(r.n)]));
    });
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    console.log(
      `telemetrygen, ${EXPECTED} spans generated per run: instant sink received ` +
        `${received.http} (HTTP) and ${received.grpc} (gRPC); Tracehouse stored ` +
        runs.map((r) => `${stored[r.service] ?? 0} (${r.service})`).join(", "),
    );
    // The sink shows what the client delivers on this machine; Tracehouse must lose none of it.
    assert.equal(received.http, EXPECTED);
    assert.equal(received.grpc, EXPECTED);
    for (const run of runs) assert.equal(stored[run.service] ?? 0, run.accepted);
    for (const transport of ["http", "grpc"]) {
      assert.ok(
        runs.some((r) => r.transport === transport && stored[r.service] === EXPECTED),
        `no ${transport} run stored all ${EXPECTED} spans`,
      );
    }
  },
});
