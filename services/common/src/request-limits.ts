/**
 * The largest request message each service reads (connect's readMaxBytes: checked on the wire
 * bytes and again while inflating a compressed body, so a small gzip bomb cannot expand past it).
 * SendEvents carries up to 16 MiB of event data, plus its framing; the run API and the
 * scheduler take ids and filters; worker streams carry step outputs (4 MiB each) and checkpoints.
 */
export const requestMaxBytes: Record<string, number> = {
  "tenax.v1.IngestService": 20 * 1024 * 1024,
  "tenax.v1.RunService": 1024 * 1024,
  "tenax.v1.SchedulerService": 1024 * 1024,
  "tenax.v1.HealthService": 64 * 1024,
};

/** Large enough for a 32 MiB run state plus framing; our own checks name the real limits. */
export const maxMessageBytes = 64 * 1024 * 1024;

export function readMaxBytesOf(serviceTypeName: string): number {
  return requestMaxBytes[serviceTypeName] ?? maxMessageBytes;
}
