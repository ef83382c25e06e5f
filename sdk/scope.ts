/**
 * The SDK's instrumentation scope: the name and version on every span, metric
 * and log it makes. A leaf module, so that the instrumentations and the state
 * that installs them do not import each other.
 *
 * @module
 */

/** Instrumentation scope name used for every span, metric and log the SDK makes. */
export const SCOPE_NAME = "@tracehouse/sdk";
/**
 * The SDK's version. `sdk/deno.json` is the source: `scope_test.ts` fails when this differs
 * from it, and the npm build when `npm/package.json` does.
 */
export const SDK_VERSION = "0.1.0";
