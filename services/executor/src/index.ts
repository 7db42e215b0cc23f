export { loadExecutorConfig } from "./config.js";
export type { ExecutorConfig } from "./config.js";
export { startExecutor } from "./executor.js";
export type { ExecutorHandle } from "./executor.js";
export { retryDelayMs, clampRetryAt } from "./backoff.js";
export { validateFunctionConfig } from "./validate-config.js";
