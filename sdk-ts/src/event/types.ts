/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** An event to send. `data` and `user` go through a JSON round trip. */
export interface EventPayload<TData extends object = Record<string, unknown>> {
  /** Event name, e.g. "order/created". */
  name: string;
  /** JSON object payload. Default `{}`. */
  data?: TData;
  /** Deduplication id (24 h window). Ingest assigns one when unset. */
  id?: string;
  /** Optional JSON object describing the user that caused the event. */
  user?: Record<string, unknown>;
  /** Producer timestamp (ms since the epoch or a Date). Default: ingest's receive time. */
  ts?: number | Date;
  /** Optional payload schema version. */
  v?: string;
}

/** An event as a handler receives it. */
export interface TenaxEvent<TData = Record<string, any>> {
  id: string;
  name: string;
  data: TData;
  user?: JsonObject;
  /** Producer timestamp, or ingest's receive time, in ms since the epoch. */
  ts: number;
  v?: string;
}
