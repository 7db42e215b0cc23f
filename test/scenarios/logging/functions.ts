import { appendFileSync } from "node:fs";
import { Tenax } from "@tenax/sdk";

// A user-supplied logger without child(): run fields arrive as the metadata argument.
const file = process.env.TENAX_LOG_FILE ?? "/dev/null";
const write = (level: string) => (msg: string, meta?: Record<string, unknown>) => appendFileSync(file, `${JSON.stringify({ level, msg, ...meta })}\n`);
const fileLogger = { info: write("info"), warn: write("warn"), error: write("error"), debug: write("debug") };

export const tenax = new Tenax({ id: "scenarios", logger: fileLogger });

const logged = tenax.createFunction({ id: "logged" }, { event: "log/run" }, async ({ step, logger }) => {
  logger.info("start");
  await step.run("a", () => logger.info("inside a"));
  logger.info("between");
  await step.run("b", () => logger.info("inside b"));
  await step.run("c", () => logger.info("inside c"));
  logger.info("end");
  return "done";
});

export const functions = [logged];
