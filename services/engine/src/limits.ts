/** Every size and count limit of Tenax, in one place (the "Limits" table in sdk-ts/README.md mirrors this). */
export const limits = {
  eventNameMaxChars: 256,
  /** The event's `v` (its schema version). */
  eventVersionMaxChars: 128,
  eventMaxBytes: 512 * 1024,
  eventsPerCall: 5000,
  sendEventsMaxBytes: 16 * 1024 * 1024,
  triggersPerFunction: 10,
  retriesMax: 20,
  retriesDefault: 4,
  functionIdMaxChars: 128,
  stepsPerRun: 1000,
  /** Open waits of one event name whose `if` has no key (each costs an evaluation per event of that name). */
  unkeyedWaitsPerEvent: 1000,
  stepOutputMaxBytes: 4 * 1024 * 1024,
  /** A stored error (a step's or a run's), its causes included: a larger one is cut to fit. */
  errorMaxBytes: 64 * 1024,
  runStateMaxBytes: 32 * 1024 * 1024,
  watchRunsMaxIds: 10_000,
} as const;
