export { loadSchedulerConfig } from "./config.js";
export type { SchedulerConfig } from "./config.js";
export { startScheduler } from "./scheduler.js";
export type { SchedulerHandle } from "./scheduler.js";
