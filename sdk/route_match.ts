/**
 * Route-template matching for servers without a router (`Deno.serve`, `node:http`).
 *
 * @module
 */

interface UrlPatternLike {
  test(input: { pathname: string }): boolean;
}

/** Whether a path matches one template. */
type PathTest = (pathname: string) => boolean;

/** Finds the first template that matches a path. */
export type RouteMatcher = (pathname: string) => string | undefined;

/**
 * Compiles route templates (`/users/:id`, `/files/*`) into a matcher. Templates made only of
 * literal segments, `:name` segments and `*` become a regular expression; any other `URLPattern`
 * syntax (`:id(\\d+)`, `{…}?`, …) is handed to `URLPattern` where the runtime has it. Deno's
 * `URLPattern` costs about 2.5 µs a request (`bench/sdk_overhead.ts`), ten times the expression.
 *
 * @example
 * ```ts
 * import { compileRoutes } from "./route_match.ts";
 * const match = compileRoutes(["/users/:id"]);
 * console.log(match("/users/7")); // /users/:id
 * ```
 */
export function compileRoutes(routes: string[]): RouteMatcher {
  if (routes.length === 0) return () => undefined;
  const Pattern = (globalThis as {
    URLPattern?: new (init: { pathname: string }) => UrlPatternLike;
  }).URLPattern;
  const compiled: [string, PathTest][] = routes.map((route) => {
    if (!Pattern || isSimpleTemplate(route)) return [route, simplePattern(route)];
    const pattern = new Pattern({ pathname: route });
    return [route, (pathname) => pattern.test({ pathname })];
  });
  return (pathname) => {
    for (const [route, matches] of compiled) {
      if (matches(pathname)) return route;
    }
    return undefined;
  };
}

/** Literal segments, `:name` segments and `*` segments only: what {@linkcode simplePattern} knows. */
function isSimpleTemplate(route: string): boolean {
  return route.split("/").every((part) =>
    part === "*" || /^:[A-Za-z_$][\w$]*$/.test(part) || /^[^:*(){}?+\\]*$/.test(part)
  );
}

function simplePattern(route: string): PathTest {
  const source = route.split("/").map((part) =>
    part.startsWith(":")
      ? "[^/]+"
      : part === "*"
      ? ".*"
      : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/");
  const re = new RegExp(`^${source}$`);
  return (pathname) => re.test(pathname);
}
