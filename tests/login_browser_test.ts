/**
 * The dashboard's doors in a real browser (Debian's Chromium through playwright-core): with a
 * query token set, a page sends the browser to the login form; a wrong token is refused; the
 * right one lands on the page with a cookie no script can read, and the islands' `/api` calls
 * work with it. Another site's page cannot log the browser in (login CSRF) or read data, and a
 * DNS-rebinding name (`attacker.test` resolved to 127.0.0.1 by Chromium's resolver rules) is
 * refused.
 *
 * Skipped without Chromium, like `ui_test.ts` (fails under `CI`).
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startUiServer } from "./ui_server.ts";

const CHROMIUM = Deno.env.get("TRACEHOUSE_CHROMIUM") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium && Deno.env.get("CI")) {
  Deno.test("login browser test needs Chromium", () => {
    throw new Error(`${CHROMIUM} is missing: install it with .ci/setup.d/50-chromium.sh`);
  });
}

const TOKEN = `q-${crypto.randomUUID()}`;

Deno.test({
  name: "dashboard login in Chromium: pages need the token, login works, other sites cannot",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ui = await startUiServer({ traces: 20, queryToken: TOKEN });
    const port = new URL(ui.url).port;
    // "Another site": a page served from localhost, which is cross-site to 127.0.0.1.
    const evil = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () =>
        new Response(
          `<!doctype html><form id="f" method="post" action="${ui.url}/login">
        <input name="token" value="${TOKEN}"><input name="next" value="/logs"></form>
        <script>
          fetch("${ui.url}/api/services", { credentials: "include" })
            .then((r) => document.title = "read " + r.status, () => document.title = "blocked");
        </script>`,
          { headers: { "content-type": "text/html" } },
        ),
    );
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--host-resolver-rules=MAP attacker.test 127.0.0.1",
      ],
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();

      // A page without a session: the login form, remembering where the user was going.
      await page.goto(`${ui.url}/logs`);
      assert.equal(new URL(page.url()).pathname, "/login");
      assert.equal(new URL(page.url()).searchParams.get("next"), "/logs");

      // A wrong token: refused, no cookie.
      await page.fill("#token", "not-the-token");
      const [wrong] = await Promise.all([
        page.waitForNavigation(),
        page.click("button[type=submit]"),
      ]);
      assert.equal(wrong?.status(), 401);
      assert.match(await page.textContent("[role=alert]") ?? "", /not valid/);
      assert.deepEqual(await context.cookies(), []);

      // The right token: back on the page, with an HttpOnly, SameSite=Strict cookie.
      await page.fill("#token", TOKEN);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(new URL(page.url()).pathname, "/logs");
      assert.match(await page.title(), /Logs/);
      const [cookie] = await context.cookies();
      assert.equal(cookie.name, "tracehouse_session");
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      assert.equal(await page.evaluate(() => document.cookie), "");
      // The islands' same-origin API calls carry the session.
      const status = await page.evaluate(async () => (await fetch("/api/services")).status);
      assert.equal(status, 200);

      // Another site's page: its fetch gets no data, its form cannot sign the browser in.
      const other = await browser.newContext();
      const visitor = await other.newPage();
      await visitor.goto(`http://localhost:${evil.addr.port}/`);
      await visitor.waitForFunction(() => document.title !== "", null, { timeout: 10_000 });
      assert.notEqual(await visitor.title(), "read 200");
      const [csrf] = await Promise.all([
        visitor.waitForNavigation(),
        visitor.evaluate(() => (document.getElementById("f") as HTMLFormElement).submit()),
      ]);
      assert.equal(csrf?.status(), 403);
      assert.match(await visitor.textContent("body") ?? "", /cross_site/);
      assert.deepEqual(await other.cookies(), []);

      // DNS rebinding: a foreign name that resolves to this server.
      const rebound = await page.goto(`http://attacker.test:${port}/logs`);
      assert.equal(rebound?.status(), 403);
      assert.match(await page.textContent("body") ?? "", /host_not_allowed/);
    } finally {
      await browser.close();
      await evil.shutdown();
      await ui.close();
    }
  },
});
