import assert from "node:assert/strict";
import { maskCredentials, splitUrlCredentials } from "./secrets.ts";

Deno.test("splitUrlCredentials takes user info out of the URL", () => {
  assert.deepEqual(splitUrlCredentials("http://127.0.0.1:8123"), { url: "http://127.0.0.1:8123" });
  assert.deepEqual(splitUrlCredentials("https://u:s%3Acr%2Fet@ch.example:8443/path?x=1"), {
    url: "https://ch.example:8443/path?x=1",
    username: "u",
    password: "s:cr/et",
  });
  assert.deepEqual(splitUrlCredentials("http://only-user@ch:8123/"), {
    url: "http://ch:8123/",
    username: "only-user",
    password: "",
  });
});

Deno.test("maskCredentials hides every password in a line", () => {
  assert.equal(
    maskCredentials("a http://u:p@h:1/ b https://v:q%40r@k/ c tcp://w:x@y:9000"),
    "a http://u:***@h:1/ b https://v:***@k/ c tcp://w:***@y:9000",
  );
  assert.equal(maskCredentials("no url here, user:pass@host"), "no url here, user:pass@host");
  assert.equal(maskCredentials("http://host:8123/path"), "http://host:8123/path");
});
