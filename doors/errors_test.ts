import assert from "node:assert/strict";
import { HTTPException } from "hono/http-exception";
import { IngestError } from "../otlp/ingest.ts";
import { InvalidParamError } from "../sql/invalid_param.ts";
import { ClickHouseError } from "../sql/store.ts";
import { classifyError, DoorError, errorResponse } from "./errors.ts";

const ENGINE_TEXT =
  "Code: 107. DB::Exception: Cannot open file /var/lib/tracehouse/secret.bin: (FILE_DOESNT_EXIST)";

Deno.test("classifyError keeps actionable messages", () => {
  const cases: [unknown, number, string][] = [
    [new HTTPException(401, { message: "A valid bearer token is required" }), 401, "unauthorized"],
    [new HTTPException(404, { message: "No such trace" }), 404, "not_found"],
    [new DoorError(403, "cross_site", "Cross-site request refused"), 403, "cross_site"],
    [new InvalidParamError("limit", "must be between 1 and 1000"), 400, "invalid_parameter"],
    [new ClickHouseError("Code: 159. DB::Exception: Timeout exceeded", 159), 504, "timeout"],
    [new ClickHouseError("Code: 396. DB::Exception: Limit for rows", 396), 400, "result_too_large"],
    [new IngestError("invalid", "Cannot decode OTLP payload: bad varint"), 400, "invalid_data"],
    [new IngestError("queue_full", "Ingest queue is full; retry later"), 429, "too_many_requests"],
  ];
  for (const [error, status, code] of cases) {
    const classified = classifyError(error, { log: () => assert.fail("must not be logged") });
    assert.equal(classified.status, status, String(error));
    assert.equal(classified.code, code);
    assert.equal(classified.id, undefined);
    assert.ok(!classified.message.includes("DB::Exception"), classified.message);
  }
});

Deno.test("classifyError logs internal errors with an id and hides their text", () => {
  for (
    const [error, status] of [
      [new ClickHouseError(ENGINE_TEXT, 107), 500],
      [new Error(ENGINE_TEXT), 500],
      [new HTTPException(500, { message: ENGINE_TEXT }), 500],
      [new IngestError("unavailable", `Cannot store the data: ${ENGINE_TEXT}`), 503],
      ["a thrown string", 500],
    ] as [unknown, number][]
  ) {
    const logged: string[] = [];
    const classified = classifyError(error, {
      context: "query API",
      log: (line, e) => logged.push(`${line} ${e}`),
    });
    assert.equal(classified.status, status);
    assert.match(classified.id ?? "", /^[0-9a-f]{12}$/);
    assert.ok(!classified.message.includes("secret"), classified.message);
    assert.ok(classified.message.includes(classified.id!));
    assert.equal(logged.length, 1);
    assert.ok(logged[0].includes(`[error id ${classified.id}]`) && logged[0].includes("query API"));
    if (status === 503) assert.equal(classified.retryAfter, 1);
  }
});

Deno.test("errorResponse answers with the envelope", async () => {
  const hidden = errorResponse(new Error(ENGINE_TEXT), { log: () => {} });
  assert.equal(hidden.status, 500);
  assert.equal(hidden.headers.get("content-type"), "application/json");
  const body = await hidden.json();
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "id", "message"]);
  assert.equal(body.error.code, "internal");
  assert.ok(!JSON.stringify(body).includes("secret"));

  const unauthorized = errorResponse(new HTTPException(401, { message: "Token required" }));
  assert.equal(unauthorized.headers.get("www-authenticate"), "Bearer");
  assert.deepEqual(await unauthorized.json(), {
    error: { code: "unauthorized", message: "Token required" },
  });

  const full = errorResponse(new IngestError("queue_full", "full"), { retryAfterSeconds: 3 });
  assert.equal(full.status, 429);
  assert.equal(full.headers.get("retry-after"), "3");
  await full.body?.cancel();
});
