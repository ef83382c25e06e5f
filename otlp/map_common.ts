/**
 * What the three row mappers share: their result shape, `ServiceName`, and the
 * `error.fingerprint` attribute.
 *
 * @module
 */
import { errorFingerprint, type ErrorInput } from "./error_fingerprint.ts";
import { type EncodedMap, encodeMapEntries } from "../sql/native/mod.ts";
import type { KeyValue, ResourceGroup, Scope } from "./model.ts";
import { asString, attributeMap, lookup } from "./values.ts";

/** Rows of one table and what was rejected on the way. */
export interface Mapped {
  rows: Record<string, unknown>[];
  rejected: number;
  /** The first rejection reasons (at most a few), for the partial-success message. */
  errors: string[];
}

/** Records rejected and why (the first reasons), for the partial-success answer. */
export interface Rejections {
  rejected: number;
  /** The first rejection reasons (at most a few). */
  errors: string[];
}

/** Records a rejection, keeping the first three reasons. */
export function reject(
  out: Rejections,
  reason: string,
  count = 1,
): void {
  out.rejected += count;
  if (out.errors.length < 3) out.errors.push(reason);
}

/** `GetServiceName`: `service.name` of the resource, stringified, or `""`. */
export function serviceName(resource: KeyValue[]): string {
  const v = lookup(resource, "service.name");
  return v === undefined ? "" : asString(v);
}

/** The attribute the error fingerprint is written to, as the collector processor does. */
export const FINGERPRINT_KEY = "error.fingerprint";

/**
 * `attributes` plus `error.fingerprint` computed from `input` (lazily: only called for errors),
 * unless the attribute is already set — the collector processor's defaults (`overwrite: false`).
 */
export function withFingerprint(
  attributes: KeyValue[],
  input: () => ErrorInput | undefined,
): KeyValue[] {
  if (lookup(attributes, FINGERPRINT_KEY) !== undefined) return attributes;
  const error = input();
  const fp = error && errorFingerprint(error);
  return fp ? [...attributes, [FINGERPRINT_KEY, fp.fingerprint]] : attributes;
}

/** What every row of one resource shares: its service, encoded attributes and schema URL. */
export interface ResourceRows {
  service: string;
  resource: EncodedMap;
  schemaUrl: string;
}

/**
 * The resource/scope walk of a decoded request (the model path): encodes each resource once,
 * asks `scopeContext` once per scope group (the protobuf fast path asks the same function), and appends every record with `append`. Returns the
 * records appended (`append` returns false for a rejected one).
 *
 * @example
 * ```ts
 * import { appendEach } from "./map_common.ts";
 * console.assert(appendEach([], () => 0, () => true) === 0);
 * ```
 */
export function appendEach<T, C>(
  request: ResourceGroup<T>[],
  scopeContext: (resource: ResourceRows, scope: Scope, schemaUrl: string) => C,
  append: (ctx: C, item: T) => boolean,
): number {
  let appended = 0;
  for (const group of request) {
    const rows: ResourceRows = {
      service: serviceName(group.resource.attributes),
      resource: encodeMapEntries(attributeMap(group.resource.attributes)),
      schemaUrl: group.resource.schemaUrl,
    };
    for (const scopeGroup of group.scopes) {
      const ctx = scopeContext(rows, scopeGroup.scope, scopeGroup.schemaUrl);
      for (const item of scopeGroup.items) if (append(ctx, item)) appended++;
    }
  }
  return appended;
}
