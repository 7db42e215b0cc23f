/**
 * Base class of every error the SDK throws on purpose. `code` is a stable
 * snake_case identifier: branch on it, never on the message.
 */
export class TenaxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TenaxError";
    this.code = code;
  }
}
