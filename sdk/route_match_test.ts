import assert from "node:assert/strict";
import { compileRoutes } from "./route_match.ts";

const TEMPLATES = [
  "/",
  "/users/:id",
  "/users/:id/orders/:order",
  "/files/*",
  "/a.b/c",
  "/v1/items",
];
const PATHS = [
  "/",
  "/users/7",
  "/users/",
  "/users/7/",
  "/users/7/orders/9",
  "/users/7/orders",
  "/files/",
  "/files/a/b.txt",
  "/files",
  "/a.b/c",
  "/axb/c",
  "/v1/items",
  "/v1/items/1",
  "/users/%C3%A9",
];

Deno.test("routes: the fast matcher agrees with URLPattern on simple templates", () => {
  for (const template of TEMPLATES) {
    const match = compileRoutes([template]);
    const pattern = new URLPattern({ pathname: template });
    for (const path of PATHS) {
      assert.equal(
        match(path) === template,
        pattern.test({ pathname: path }),
        `${template} ${path}`,
      );
    }
  }
});

Deno.test("routes: other URLPattern syntax still works; the first match wins", () => {
  const match = compileRoutes(["/users/:id(\\d+)", "/users/:name", "/docs{/:page}?"]);
  assert.equal(match("/users/42"), "/users/:id(\\d+)");
  assert.equal(match("/users/ada"), "/users/:name");
  assert.equal(match("/docs"), "/docs{/:page}?");
  assert.equal(match("/docs/intro"), "/docs{/:page}?");
  assert.equal(match("/nope"), undefined);
});
