import { runService } from "@tenax/common";
import { loadExecutorConfig } from "./config.js";
import { startExecutor } from "./executor.js";

await runService("executor", () => startExecutor(loadExecutorConfig()));
