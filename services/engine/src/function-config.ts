import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import { FunctionConfigSchema, type FunctionConfig } from "@tenax/proto";

// A function version's config never changes once stored, so each is read once.
const cache = new Map<string, FunctionConfig>();
const cacheMax = 1000;

/**
 * The stored FunctionConfig (its protobuf JSON form, a `jsonb` column) as one typed value: the
 * only place that reads that JSON. `version` is "<app>/<function>@<version>" when known, so a
 * version read before is not parsed again.
 */
export function readFunctionConfig(json: Record<string, unknown>, version?: string): FunctionConfig {
  const hit = version === undefined ? undefined : cache.get(version);
  if (hit) return hit;
  const config = fromJson(FunctionConfigSchema, json as JsonObject, { ignoreUnknownFields: true });
  if (version !== undefined) {
    if (cache.size >= cacheMax) cache.delete(cache.keys().next().value!);
    cache.set(version, config);
  }
  return config;
}

/** The cache key of a function version. */
export function functionVersionKey(appId: string, functionId: string, version: number): string {
  return `${appId}/${functionId}@${version}`;
}
