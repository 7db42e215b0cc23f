import { create, fromJson, toJson, type JsonObject } from "@bufbuild/protobuf";
import { ErrorInfoSchema, type ErrorInfo } from "@tenax/proto";

/** ErrorInfo is stored as its proto JSON form (jsonb) and rebuilt when read. */
export function errorInfoToJson(e: ErrorInfo): Record<string, unknown> {
  return toJson(ErrorInfoSchema, e) as JsonObject;
}

export function errorInfoFromJson(j: Record<string, unknown> | null): ErrorInfo | undefined {
  if (!j) return undefined;
  try {
    return fromJson(ErrorInfoSchema, j as JsonObject, { ignoreUnknownFields: true });
  } catch {
    return create(ErrorInfoSchema, { message: JSON.stringify(j) });
  }
}
