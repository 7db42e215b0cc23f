import type { MessageInitShape } from "@bufbuild/protobuf";
import type { EventSchema } from "@tenax/proto";

/** An event as a SEND_EVENT op carries it (the proto `Event` init shape). */
export type StepOpEvent = MessageInitShape<typeof EventSchema>;

/**
 * What a step carried out by the executor asks for: the `Op.opts` oneof in
 * its proto init shape. The op code follows from `case` (see `opCodeFor`).
 * Times are absolute, in ms since the epoch.
 */
export type StepOpOptions =
  | { case: "sleep"; value: { untilMs: bigint } }
  | { case: "waitForEvent"; value: { event: string; timeoutAtMs: bigint; expression: string; match: string } }
  | { case: "invoke"; value: { functionId: string; appId: string; dataJson: Uint8Array; timeoutAtMs: bigint } }
  | { case: "sendEvent"; value: { events: StepOpEvent[] } };
