import type { ServiceImpl } from "@connectrpc/connect";
import { HealthService } from "@tenax/proto";

/** HealthService implementation: reports the database round trip and drain state. */
export function createHealthService(p: {
  service: string;
  instanceId: string;
  ping: () => Promise<unknown>;
  draining: () => boolean;
}): ServiceImpl<typeof HealthService> {
  return {
    async check() {
      const databaseOk = await p.ping().then(
        () => true,
        () => false,
      );
      return { service: p.service, instanceId: p.instanceId, databaseOk, draining: p.draining() };
    },
  };
}
