import { createHash, timingSafeEqual } from "node:crypto";
import { Code, type Interceptor } from "@connectrpc/connect";
import { ErrorReason } from "@tenax/proto";
import { ReasonConnectError } from "./errors.js";

export interface AuthRule {
  /** Keys accepted for this method; an empty list means open. */
  keys(method: string): string[];
}

/** Compares secrets in constant time (hashing first makes lengths equal). */
export function keyMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Requires `authorization: Bearer <key>` on every method the rule protects. With no keys
 * configured the service runs in open dev mode (it says so at startup).
 */
export function createAuthInterceptor(rule: AuthRule): Interceptor {
  return (next) => async (req) => {
    const keys = rule.keys(req.method.name);
    if (keys.length > 0) {
      const header = req.header.get("authorization") ?? "";
      const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
      if (!token || !keys.some((k) => keyMatches(token, k))) {
        throw new ReasonConnectError(
          ErrorReason.UNAUTHENTICATED,
          `${req.service.typeName}/${req.method.name} requires a valid key in "authorization: Bearer <key>"`,
          Code.Unauthenticated,
        );
      }
    }
    return next(req);
  };
}

/** Auth rule for one service: methods in `eventMethods` accept the event key or the signing key. */
export function createKeyRule(keys: { eventKey?: string; signingKey?: string }, eventMethods: string[] = []): AuthRule {
  const signing = keys.signingKey ? [keys.signingKey] : [];
  const event = [keys.eventKey, keys.signingKey].filter((k): k is string => !!k);
  return {
    keys: (method) => (eventMethods.includes(method) ? (keys.eventKey ? event : []) : signing),
  };
}
