/**
 * The dashboard's door when a query token is set: `GET /login` shows a form, `POST /login`
 * checks the token and sets the session cookie (`doors/session.ts`), `POST /logout` clears it,
 * and {@linkcode dashboardAuth} sends browsers without a session to the form.
 *
 * Why a form and not Basic auth: browsers cache Basic credentials for the whole origin with no
 * way to log out, and send them to every request; the cookie is `HttpOnly` (no script reads it),
 * `SameSite=Strict` (no other site's page can make the browser send it) and expires.
 *
 * @module
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { html } from "hono/html";
import { sameSecret } from "../doors/bearer.ts";
import { clearedCookie, hasQueryAccess, issueSession, sessionCookie } from "../doors/session.ts";

/** Where the login form may send the browser afterwards: a path on this server only. */
function safeNext(next: unknown): string {
  const path = typeof next === "string" ? next : "";
  return /^\/(?![/\\])[^\s]*$/.test(path) && !path.startsWith("/login") ? path : "/";
}

function loginPage(next: string, failed: boolean) {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Sign in · Tracehouse</title>
        <style>
    body { font: 15px/1.5 system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; }
    form { display: grid; gap: .6rem; width: min(22rem, 90vw); }
    input, button { font: inherit; padding: .45rem .6rem; }
    .error { color: #b42318; }
    </style>
      </head>
      <body>
        <form method="post" action="/login">
    <h1>Tracehouse</h1>
    <label for="token">Query token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <input type="hidden" name="next" value="${next}">
    ${failed ? html`<p class="error" role="alert">That token is not valid.</p>` : ""}
    <button type="submit">Sign in</button>
    <p><small>The token is the server's TRACEHOUSE_QUERY_TOKEN.</small></p>
        </form>
      </body>
    </html>
  `;
}

/**
 * The login and logout routes; mount at `/`. Without a token they are not mounted at all.
 *
 * @example
 * ```ts
 * import { loginApp } from "./login.ts";
 * const app = loginApp("s3cret");
 * const form = await app.request("/login");
 * console.assert(form.status === 200);
 * const signIn = await app.request("/login", {
 *   method: "POST",
 *   body: new URLSearchParams({ token: "s3cret", next: "/logs" }),
 * });
 * console.assert(signIn.status === 303 && signIn.headers.get("location") === "/logs");
 * ```
 */
export function loginApp(token: string, options: { failureDelayMs?: number } = {}): Hono {
  const app = new Hono();
  const noStore = { "Cache-Control": "no-store" };
  app.get("/login", (c) => c.html(loginPage(safeNext(c.req.query("next")), false), 200, noStore));
  app.post("/login", bodyLimit({ maxSize: 8 * 1024 }), async (c) => {
    const form = await c.req.parseBody().catch(() => {
      throw new HTTPException(400, { message: "Cannot read the login form" });
    });
    const next = safeNext(form.next);
    if (typeof form.token !== "string" || !sameSecret(form.token, token)) {
      // Slows guessing down; tokens should be long and random anyway (see docs/security.md).
      await new Promise((resolve) => setTimeout(resolve, options.failureDelayMs ?? 500));
      return c.html(loginPage(next, true), 401, noStore);
    }
    return c.body(null, 303, {
      Location: next,
      "Set-Cookie": sessionCookie(c, issueSession(token)),
      ...noStore,
    });
  });
  app.post(
    "/logout",
    (c) => c.body(null, 303, { Location: "/login", "Set-Cookie": clearedCookie(c), ...noStore }),
  );
  return app;
}

/**
 * Requires the query token (bearer or session) on every path `open` does not name. Browsers
 * asking for a page are sent to the login form; anything else gets 401.
 */
export function dashboardAuth(
  token: string,
  open: (path: string) => boolean,
): MiddlewareHandler {
  return async function dashboardToken(c, next) {
    if (open(c.req.path) || hasQueryAccess(c, token)) return await next();
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      const url = new URL(c.req.url);
      const target = `${url.pathname}${url.search}`;
      const query = target === "/" ? "" : `?next=${encodeURIComponent(target)}`;
      return c.redirect(`/login${query}`, 303);
    }
    throw new HTTPException(401, { message: "Sign in at /login or send the bearer token" });
  };
}
