/**
 * What the three row mappers share: their result shape, `ServiceName`, and the
 * `error.fingerprint` attribute.
 *
 * @module
 */
import { errorFingerprint, type ErrorInput } from "./error_fingerprint.ts";
import type { KeyValue } from "./model.ts";
import { asString, lookup } from "./values.ts";

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
