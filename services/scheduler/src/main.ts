import { runService } from "@tenax/common";
import { loadSchedulerConfig } from "./config.js";
import { startScheduler } from "./scheduler.js";

await runService("scheduler", () => startScheduler(loadSchedulerConfig()));
