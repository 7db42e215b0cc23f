import { Tenax } from "@tenax/sdk";

export const tenax = new Tenax({ id: "scenarios" });

// Every 2 s (6-field cron, seconds first): short enough to see several ticks in a test.
const every2s = tenax.createFunction({ id: "every-2s" }, { cron: "*/2 * * * * *" }, async ({ event }) => {
  const { scheduledAt } = event.data as { scheduledAt: string };
  console.log(JSON.stringify({ msg: "tick", scheduledAt }));
  return scheduledAt;
});

export const functions = [every2s];
