import { stopOnSignals } from "@tenax/common";
import { loadExecutorConfig } from "./config.js";
import { startExecutor } from "./executor.js";

const executor = await startExecutor(loadExecutorConfig());
stopOnSignals(executor, executor.logger);
