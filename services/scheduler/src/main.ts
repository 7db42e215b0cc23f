import { stopOnSignals } from "@tenax/common";
import { loadSchedulerConfig } from "./config.js";
import { startScheduler } from "./scheduler.js";

const scheduler = await startScheduler(loadSchedulerConfig());
stopOnSignals(scheduler, scheduler.logger);
