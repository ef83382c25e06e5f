import assert from "node:assert/strict";
import { crossSiteRefusal, hostAllowed, LOOPBACK_ORIGINS, originAllowed } from "./cross_site.ts";

const req = (url: string, headers: Record<string, string> = {}, method = "GET") =>
  new Request(url, { method, headers });

Deno.test("hostAllowed: IP literals, localhost and configured names", () => {
  for (
    const ok of [
      "127.0.0.1",
      "127.0.0.1:8080",
      "10.1.2.3:80",
      "[::1]:8080",
      "localhost",
      "LOCALHOST:1",
      "app.localhost:3000",
    ]
  ) {
    assert.ok(hostAllowed(ok), ok);
  }
  for (
    const bad of [
      "evil.example",
      "evil.example:8080",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "",
    ]
  ) {
    assert.ok(!hostAllowed(bad), bad);
  }
  assert.ok(hostAllowed("traces.example.com:443", ["traces.example.com"]));
  assert.ok(hostAllowed("TRACES.example.com.", ["traces.example.com"]));
  assert.ok(hostAllowed("a.b.example.com", [".example.com"]));
  assert.ok(hostAllowed("example.com", [".example.com"]));
  assert.ok(!hostAllowed("badexample.com", [".example.com"]));
  assert.ok(hostAllowed("anything.example", ["*"]));
});

Deno.test("originAllowed: exact, any port, any origin", () => {
  assert.ok(originAllowed("http://localhost:5173", LOOPBACK_ORIGINS));
  assert.ok(originAllowed("http://localhost", LOOPBACK_ORIGINS));
  assert.ok(originAllowed("http://[::1]:3000", LOOPBACK_ORIGINS));
  assert.ok(!originAllowed("http://localhost.evil.example", LOOPBACK_ORIGINS));
  assert.ok(!originAllowed("http://localhost:5173.evil.example", LOOPBACK_ORIGINS));
  assert.ok(!originAllowed("https://localhost:5173", LOOPBACK_ORIGINS));
  assert.ok(!originAllowed("null", LOOPBACK_ORIGINS));
  assert.ok(originAllowed("https://app.example", ["https://app.example/"]));
  assert.ok(!originAllowed("https://app.example:8443", ["https://app.example"]));
  assert.ok(!originAllowed("https://evil.example", []));
});

Deno.test("crossSiteRefusal: browsers from elsewhere are refused, other clients pass", () => {
  const url = "http://127.0.0.1:8080/api/logs";
  // Non-browser clients.
  assert.equal(crossSiteRefusal(req(url), {}), undefined);
  assert.equal(crossSiteRefusal(req(url, {}, "POST"), {}), undefined);
  // The dashboard's own requests.
  assert.equal(crossSiteRefusal(req(url, { "sec-fetch-site": "same-origin" }), {}), undefined);
  assert.equal(
    crossSiteRefusal(
      req(url, { origin: "http://127.0.0.1:8080", "sec-fetch-site": "same-origin" }, "POST"),
      {},
    ),
    undefined,
  );
  assert.equal(
    crossSiteRefusal(req(url, { origin: "http://127.0.0.1:8080" }, "POST"), {}),
    undefined,
  );
  assert.equal(crossSiteRefusal(req(url, { "sec-fetch-site": "none" }), {}), undefined);
  // A text/plain POST from any web page (no preflight), with and without fetch metadata.
  for (
    const headers of <Record<string, string>[]> [
      <Record<string, string>> {
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
        "content-type": "text/plain",
      },
      <Record<string, string>> { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://localhost:3000", "sec-fetch-site": "same-site" },
    ]
  ) {
    const refusal = crossSiteRefusal(req(url, headers, "POST"), {});
    assert.equal(refusal?.status, 403, JSON.stringify(headers));
    assert.equal(refusal?.code, "cross_site");
  }
  // Sub-resource loads from another site (an <img> GET) are refused; navigations only if allowed.
  const img = {
    "sec-fetch-site": "cross-site",
    "sec-fetch-mode": "no-cors",
    "sec-fetch-dest": "image",
  };
  assert.equal(crossSiteRefusal(req(url, img), { allowNavigation: true })?.code, "cross_site");
  const link = {
    "sec-fetch-site": "cross-site",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document",
  };
  assert.equal(crossSiteRefusal(req(url, link), { allowNavigation: true }), undefined);
  assert.equal(crossSiteRefusal(req(url, link), {})?.code, "cross_site");
  assert.equal(
    crossSiteRefusal(req(url, link, "POST"), { allowNavigation: true })?.code,
    "cross_site",
  );
});

Deno.test("crossSiteRefusal: configured CORS senders pass", () => {
  const url = "http://127.0.0.1:4318/v1/traces";
  const from = (origin: string) =>
    req(url, { origin, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" }, "POST");
  assert.equal(
    crossSiteRefusal(from("http://localhost:5173"), { allowedOrigins: LOOPBACK_ORIGINS }),
    undefined,
  );
  assert.equal(
    crossSiteRefusal(from("https://evil.example"), { allowedOrigins: LOOPBACK_ORIGINS })?.code,
    "cross_site",
  );
  assert.equal(
    crossSiteRefusal(from("https://evil.example"), { allowedOrigins: ["*"] }),
    undefined,
  );
});

Deno.test("crossSiteRefusal: DNS rebinding is caught by Host", () => {
  // The rebinding page is "same-origin" with itself; only Host tells.
  const rebound = req("http://attacker.example:8080/api/logs", {
    origin: "http://attacker.example:8080",
    "sec-fetch-site": "same-origin",
  });
  const refusal = crossSiteRefusal(rebound, {});
  assert.equal(refusal?.code, "host_not_allowed");
  assert.ok(refusal?.message.includes("attacker.example"));
  assert.equal(crossSiteRefusal(rebound, { allowedHosts: ["attacker.example"] }), undefined);
  // hostCheck "browser": server-to-server clients may use any name, browsers may not.
  const sdk = req("http://tracehouse:4318/v1/traces", {}, "POST");
  assert.equal(crossSiteRefusal(sdk, { hostCheck: "browser" }), undefined);
  assert.equal(crossSiteRefusal(sdk, {})?.code, "host_not_allowed");
  assert.equal(crossSiteRefusal(rebound, { hostCheck: "browser" })?.code, "host_not_allowed");
});
