/** Retry delays by attempt (0-based attempt that failed): 15 s, 30 s, 1 m, 2 m, 5 m, … capped at 2 h. */
const scheduleMs = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 7_200_000];
const maxJitterMs = 30_000;

/** Delay before the next attempt; `scale` shrinks the whole schedule, jitter included. */
export function retryDelayMs(failedAttempt: number, scale: number, random: () => number = Math.random): number {
  const base = scheduleMs[Math.min(failedAttempt, scheduleMs.length - 1)]!;
  return Math.round((base + random() * maxJitterMs) * scale);
}

/** A requested retry time (RetryAfterError) is clamped to [1 s, 24 h] from now. */
export function clampRetryAt(requestedAtMs: number, nowMs: number): number {
  return Math.min(Math.max(requestedAtMs, nowMs + 1_000), nowMs + 86_400_000);
}
