import assert from "node:assert/strict";
import { requestTarget } from "../http_server.ts";
import { FetchRequestInfo, splitSerializedUrl } from "./fetch_request_info.ts";

Deno.test("splitSerializedUrl answers what URL parsing answers for serialized request URLs", () => {
  const inputs = [
    "http://localhost:8000/users/7",
    "http://localhost:8000/users/7?x=1&y=%20z",
    "https://example.com/",
    "https://example.com:8443/a/b/?",
    "http://127.0.0.1:5/a%2Fb?q=/c?d",
    "http://xn--bcher-kva.example/b%C3%BCcher",
    "HTTP://Example.COM:80/a/../b?x#frag",
    "http://[::1]:8000/v6",
    "http://user:pw@host/x",
    "http://LOCALHOST/x",
    "http://host:443/x",
    "https://host:443/x",
    "http://host:80/x",
    "http://a_b/x",
  ];
  for (const input of inputs) {
    // What a fetch `Request` would answer as its `url`.
    const url = new Request(input).url;
    const split = splitSerializedUrl(url);
    if (split) assert.deepEqual(split, requestTarget(url), url);
    assert.deepEqual(
      new FetchRequestInfo(new Request(url), url, undefined).target,
      requestTarget(url),
    );
  }
  // Serialized forms that take the fast path.
  assert.deepEqual(splitSerializedUrl("http://localhost:8000/a?b=1"), {
    scheme: "http",
    host: "localhost",
    port: 8000,
    path: "/a",
    query: "b=1",
  });
  assert.deepEqual(splitSerializedUrl("https://example.com/")?.port, undefined);
});

Deno.test("splitSerializedUrl leaves what is not plainly serialized to URL parsing", () => {
  for (
    const raw of [
      "/just/a/path",
      "ftp://host/x",
      "http://host",
      "http://host?x",
      "http://Host/x",
      "http://host:80/x",
      "https://host:443/x",
      "http://host:99999/x",
      "http://host:/x",
      "http://host:1:2/x",
      "http://host/x#frag",
      "http://[::1]/x",
      "http://u@host/x",
      "http:///x",
    ]
  ) assert.deepEqual(splitSerializedUrl(raw), undefined, raw);
});

Deno.test("FetchRequestInfo reads headers through methods", () => {
  const req = new Request("http://localhost/x", {
    headers: { "user-agent": "ua/1", traceparent: "00-1-2-01" },
  });
  const info = new FetchRequestInfo(req, req.url, "10.0.0.1");
  assert.deepEqual(info.header("user-agent"), "ua/1");
  assert.deepEqual(info.header("missing"), undefined);
  assert.deepEqual(info.headerNames().sort(), ["traceparent", "user-agent"]);
  assert.deepEqual(info.clientAddress, "10.0.0.1");
  assert.deepEqual(info.method, "GET");
});
