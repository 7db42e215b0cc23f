import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { RunService } from "@tenax/proto";
import { authHeaders, createTenaxTransport } from "../rpc/transport.js";

/** The RunService calls the SDK makes (a Connect client has them; tests pass fakes). */
export type RunApi = Pick<Client<typeof RunService>, "getRun" | "listRuns" | "watchRun" | "cancelRun">;

/** What every run API call needs: the client, the call options with the key, the URL for errors. */
export interface RunApiContext {
  readonly api: RunApi;
  readonly ingestUrl: string;
  /** Call options carrying the signing key, and `signal` when given. */
  call(signal?: AbortSignal): CallOptions;
}

/** A context for the RunService of the ingest at `ingestUrl`; the client is created on first use. */
export function createRunApiContext(options: { ingestUrl: string; signingKey: string | undefined; api?: RunApi }): RunApiContext {
  let api = options.api;
  const headers = authHeaders(options.signingKey);
  return {
    get api() {
      api ??= createClient(RunService, createTenaxTransport(options.ingestUrl));
      return api;
    },
    ingestUrl: options.ingestUrl,
    call: (signal) => (signal ? { headers, signal } : { headers }),
  };
}
