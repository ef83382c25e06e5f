import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { serveOtlpGrpc } from "./grpc.ts";
import { OtlpIngest } from "./ingest.ts";
import { decodeTracesJson } from "./json.ts";
import { PbReader } from "./pb_reader.ts";
import { RecordingStore } from "../testing/recording_store.ts";

const store = new RecordingStore();

const body = encodeTraces(decodeTracesJson(JSON.stringify({
  resourceSpans: [{
    scopeSpans: [{
      spans: [
        { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "a" },
        { traceId: "5b8efff798038103d269b633813fc60c", spanId: "01", name: "bad" },
      ],
    }],
  }],
})));

const identity = (b: Uint8Array) => b;
const definition = {
  Export: {
    path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Uint8Array) => Buffer.from(b),
    requestDeserialize: identity,
    responseSerialize: (b: Uint8Array) => Buffer.from(b),
    responseDeserialize: identity,
  },
};

function call(
  client: grpc.Client,
  message: Uint8Array,
  metadata = new grpc.Metadata(),
): Promise<{ error: grpc.ServiceError | null; response?: Uint8Array }> {
  return new Promise((resolve) =>
    (client as unknown as Record<string, CallableFunction>).Export(
      message,
      metadata,
      (error: grpc.ServiceError | null, response?: Uint8Array) => resolve({ error, response }),
    )
  );
}

Deno.test({
  name: "OTLP/gRPC: export with partial success, gzip, bad data, token",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ingest = new OtlpIngest(store, { maxDelayMs: 5 });
    const server = await serveOtlpGrpc(ingest, { port: 0, ingestToken: "tok" });
    const Client = grpc.makeGenericClientConstructor(definition, "TraceService");
    const client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), {
      "grpc.default_compression_algorithm": 2, // gzip
    });
    try {
      const auth = new grpc.Metadata();
      auth.set("authorization", "Bearer tok");
      const ok = await call(client, body, auth);
      assert.equal(ok.error, null);
      const r = new PbReader(ok.response!);
      assert.equal(r.tag(), 10);
      r.end();
      assert.equal(r.tag(), 8);
      assert.equal(r.uint32(), 1, "one span rejected");
      assert.deepEqual(
        store.inserts.map((i) => [i.table, i.rows.length]),
        [["otel_traces", 1]],
      );

      const bad = await call(client, new Uint8Array([0x0a, 0x09, 0x01]), auth);
      assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
      assert.match(bad.error!.details, /Cannot decode OTLP protobuf/);

      const anonymous = await call(client, body);
      assert.equal(anonymous.error?.code, grpc.status.UNAUTHENTICATED);
      assert.match(ingest.metricsText(), /encoding="grpc",code="0"\} 1/);
    } finally {
      client.close();
      await server.shutdown();
      await ingest.close();
    }
  },
});
