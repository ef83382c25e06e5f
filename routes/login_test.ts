import assert from "node:assert/strict";
import type { Store } from "../sql/store.ts";
import { createApp } from "./app.ts";
import { buildAssets } from "../ui/build/assets.ts";

const TOKEN = "q-7f3a9c1e5b2d4a8f";
const BASE = "http://127.0.0.1:8080";

/** A store with no data that remembers it was asked: pages must not query before auth. */
function emptyStore(calls: string[]): Store {
  const answer = (sql: string) => {
    calls.push(sql);
    return Promise.resolve([]);
  };
  return {
    kind: "embedded",
    database: "default",
    query: answer as Store["query"],
    queryWithStats: (sql: string) => {
      calls.push(sql);
      return Promise.resolve({ rows: [], stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } });
    },
    command: () => Promise.resolve(),
    insert: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as Store;
}

const assets = buildAssets();

function appWith(token?: string) {
  const calls: string[] = [];
  const app = createApp({
    store: emptyStore(calls),
    isMigrated: () => true,
    api: { queryToken: token, cacheSize: 0 },
    pages: { assets },
  });
  return { app, calls };
}

function signIn(token: string, next = "/logs", headers: Record<string, string> = {}) {
  return new Request(`${BASE}/login`, {
    method: "POST",
    body: new URLSearchParams({ token, next }),
    headers: { origin: BASE, "sec-fetch-site": "same-origin", ...headers },
  });
}

function cookieOf(response: Response): string {
  const set = response.headers.get("set-cookie") ?? "";
  return set.split(";")[0];
}

Deno.test("dashboard: without a token configured, pages are open", async () => {
  const { app } = appWith();
  const page = await app.request(`${BASE}/logs`);
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const login = await app.request(`${BASE}/login`);
  assert.equal(login.status, 404);
  await login.body?.cancel();
});

Deno.test("dashboard: with a query token, pages need it; login sets a strict cookie", async () => {
  const { app, calls } = appWith(TOKEN);
  // Every page redirects to the form, and no query runs for the anonymous caller.
  for (
    const path of [
      "/services",
      "/traces",
      "/traces/0123456789abcdef0123456789abcdef",
      "/logs?q=x",
      "/metrics",
    ]
  ) {
    const page = await app.request(`${BASE}${path}`);
    assert.equal(page.status, 303, path);
    assert.equal(page.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
  }
  assert.deepEqual(calls, []);
  // Probes and assets stay open.
  assert.equal((await app.request(`${BASE}/healthz`)).status, 200);
  assert.equal((await app.request(`${BASE}/readyz`)).status, 200);
  const form = await app.request(`${BASE}/login?next=%2Flogs`);
  assert.equal(form.status, 200);
  const html = await form.text();
  assert.match(html, /<form method="post" action="\/login">/);
  assert.match(html, /name="next" value="\/logs"/);
  // /api: 401 envelope without the token.
  const api = await app.request(`${BASE}/api/services`);
  assert.equal(api.status, 401);
  assert.equal((await api.json()).error.code, "unauthorized");

  // A wrong token: the form again with 401, no cookie.
  const wrong = await app.request(signIn("not-the-token"));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
  assert.match(await wrong.text(), /not valid/);

  // The right token: a session cookie and a redirect to where the user was going.
  const right = await app.request(signIn(TOKEN));
  assert.equal(right.status, 303);
  assert.equal(right.headers.get("location"), "/logs");
  const set = right.headers.get("set-cookie") ?? "";
  assert.match(
    set,
    /^tracehouse_session=v1\.\d+\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=604800$/,
  );
  assert.ok(!set.includes(TOKEN), "the cookie must not carry the token");
  const cookie = cookieOf(right);

  // With the cookie: pages and /api answer; a forged or stale cookie does not.
  const page = await app.request(`${BASE}/logs`, { headers: { cookie } });
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const apiWithCookie = await app.request(`${BASE}/api/services`, { headers: { cookie } });
  assert.equal(apiWithCookie.status, 200);
  await apiWithCookie.body?.cancel();
  const forged = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
  assert.equal((await app.request(`${BASE}/logs`, { headers: { cookie: forged } })).status, 303);
  const old = `tracehouse_session=v1.${Math.floor(Date.now() / 1000) - 8 * 86400}.${
    "A".repeat(43)
  }`;
  assert.equal((await app.request(`${BASE}/logs`, { headers: { cookie: old } })).status, 303);
  // The bearer token works everywhere too (scripts, the CLI).
  const bearer = await app.request(`${BASE}/api/services`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(bearer.status, 200);
  await bearer.body?.cancel();

  // Logout clears the cookie.
  const out = await app.request(`${BASE}/logout`, {
    method: "POST",
    headers: { cookie, origin: BASE },
  });
  assert.equal(out.status, 303);
  assert.match(out.headers.get("set-cookie") ?? "", /tracehouse_session=; .*Max-Age=0/);
});

Deno.test("dashboard: the login form refuses other sites, foreign hosts and open redirects", async () => {
  const { app } = appWith(TOKEN);
  // Login CSRF: another site's page posting the form.
  const csrf = await app.request(
    signIn(TOKEN, "/logs", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }),
  );
  assert.equal(csrf.status, 403);
  assert.equal((await csrf.json()).error.code, "cross_site");
  // DNS rebinding: the attacker's name in Host.
  const rebound = await app.request(`http://attacker.example:8080/logs`);
  assert.equal(rebound.status, 403);
  assert.equal((await rebound.json()).error.code, "host_not_allowed");
  // Where the browser goes afterwards is always a path on this server.
  for (
    const next of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
    ]
  ) {
    const res = await app.request(signIn(TOKEN, next));
    assert.equal(res.headers.get("location"), "/", next);
  }
  // HTTPS (directly or behind a proxy that says so): the cookie is Secure.
  const secure = await app.request(signIn(TOKEN, "/", { "x-forwarded-proto": "https" }));
  assert.match(secure.headers.get("set-cookie") ?? "", /; Secure$/);
  // Cross-site navigation (a link in a chat) still reaches the login form.
  const link = await app.request(`${BASE}/traces/abc`, {
    headers: {
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "navigate",
      "sec-fetch-dest": "document",
    },
  });
  assert.equal(link.status, 303);
  // An image tag on another site cannot load data pages.
  const img = await app.request(`${BASE}/api/services`, {
    headers: {
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "no-cors",
      "sec-fetch-dest": "image",
    },
  });
  assert.equal(img.status, 403);
  await img.body?.cancel();
});
