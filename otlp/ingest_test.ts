import assert from "node:assert/strict";
import { RecordingStore } from "../testing/recording_store.ts";
import { encodeTraces } from "../testing/otlp_encode.ts";
import { IngestError, OtlpIngest } from "./ingest.ts";
import { decodeTracesJson } from "./json.ts";

const BODY = encodeTraces(decodeTracesJson(JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    scopeSpans: [{
      spans: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174" }],
    }],
  }],
})));

const fallbacks = (ingest: OtlpIngest) =>
  /tracehouse_otlp_fast_path_fallbacks_total\{signal="traces"\} (\d+)/.exec(
    ingest.telemetry.render(ingest.batcher),
  )?.[1] ?? "0";

Deno.test("ingest: a body the fast path cannot read is answered by the model path and counted", async () => {
  const store = new RecordingStore();
  const ingest = new OtlpIngest(store, { maxDelayMs: 1 });
  try {
    const ok = await ingest.export("traces", BODY, "protobuf");
    assert.equal(ok.accepted, 1);
    assert.equal(fallbacks(ingest), "0", "a valid body stays on the fast path");
    // Cut inside the span: both decoders fail; the model path's message is the answer.
    await assert.rejects(
      () => ingest.export("traces", BODY.subarray(0, BODY.length - 3), "protobuf"),
      (error: Error) => error instanceof IngestError && error.reason === "invalid",
    );
    assert.equal(fallbacks(ingest), "1");
  } finally {
    await ingest.close();
  }
});

Deno.test("ingest: bodies admitted for reading count against the byte bound until queued", async () => {
  const store = new RecordingStore();
  const ingest = new OtlpIngest(store, { maxDelayMs: 1, maxQueuedBytes: 1024 * 1024 });
  const full = (error: Error) => error instanceof IngestError && error.reason === "queue_full";
  try {
    // An idle queue takes any one body, however large; the next waits for it.
    const first = ingest.admit(700_000);
    assert.throws(() => ingest.admit(400_000), full);
    const second = ingest.admit(300_000);
    first();
    first(); // releasing twice counts once
    const third = ingest.admit(700_000);
    second();
    third();
    // While bodies are being read, one longer than the room left is refused.
    const held = ingest.admit(1024 * 1024 - 10);
    assert.throws(() => ingest.admit(BODY.length), full);
    held();
    const ok = await ingest.export("traces", BODY, "protobuf");
    assert.equal(ok.accepted, 1);
  } finally {
    await ingest.close();
  }
});
