// The Tenax contract: generated messages and service descriptors (proto/gen).
export * from "../gen/tenax/v1/errors_pb.js";
export * from "../gen/tenax/v1/event_pb.js";
export * from "../gen/tenax/v1/function_pb.js";
export * from "../gen/tenax/v1/op_pb.js";
export * from "../gen/tenax/v1/run_pb.js";
export * from "../gen/tenax/v1/ingest_pb.js";
export * from "../gen/tenax/v1/worker_pb.js";
export * from "../gen/tenax/v1/internal_pb.js";
export * from "./outbox.js";
export * from "./system-events.js";
export * from "./reasons.js";
