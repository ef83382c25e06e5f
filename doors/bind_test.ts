import assert from "node:assert/strict";
import { ConfigError, DEFAULT_CONFIG } from "../config.ts";
import { checkBind, isLoopback } from "./bind.ts";

Deno.test("isLoopback", () => {
  for (const host of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopback(host), host);
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com", "128.0.0.1"]) {
    assert.ok(!isLoopback(host), host);
  }
});

Deno.test("checkBind: off loopback, both tokens or an explicit opt-out", () => {
  const open = { ...DEFAULT_CONFIG, host: "0.0.0.0" };
  assert.throws(() => checkBind(open), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /Refusing to listen on 0\.0\.0\.0 without TRACEHOUSE_INGEST_TOKEN/);
    assert.match(error.message, /TRACEHOUSE_QUERY_TOKEN/);
    assert.match(error.message, /--allow-insecure-bind/);
    return true;
  });
  assert.throws(() => checkBind({ ...open, ingestToken: "i" }), /without TRACEHOUSE_QUERY_TOKEN/);
  assert.throws(() => checkBind({ ...open, queryToken: "q" }), /without TRACEHOUSE_INGEST_TOKEN/);
  checkBind({ ...open, ingestToken: "i", queryToken: "q" });
  checkBind({ ...open, allowInsecureBind: true });
  checkBind(DEFAULT_CONFIG);
});
