/**
 * The error query modules throw for a bad request parameter. The HTTP layer
 * catches it and answers 400 `{"error":{"code":"invalid_parameter","message"}}`.
 *
 * @module
 */

/**
 * A request parameter that cannot be used, naming the parameter.
 *
 * @example
 * ```ts
 * import { InvalidParamError } from "./invalid_param.ts";
 * const error = new InvalidParamError("limit", "must be between 1 and 1000");
 * console.assert(error.message === 'Invalid parameter "limit": must be between 1 and 1000');
 * ```
 */
export class InvalidParamError extends RangeError {
  /** The parameter's name as the client sent it (`from`, `attr.http.route`, …). */
  readonly param: string;

  constructor(param: string, reason: string) {
    super(`Invalid parameter "${param}": ${reason}`);
    this.name = "InvalidParamError";
    this.param = param;
  }
}

/**
 * Shortens echoed input so a huge value does not come back in full.
 *
 * @example
 * ```ts
 * import { clip } from "./invalid_param.ts";
 * console.assert(clip("x".repeat(100)).length === 65);
 * ```
 */
export function clip(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
