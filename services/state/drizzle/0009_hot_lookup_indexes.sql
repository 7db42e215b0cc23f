CREATE INDEX "queue_lease_idx" ON "queue" USING btree ("lease_id");--> statement-breakpoint
CREATE INDEX "timers_wait_idx" ON "timers" USING btree (("data"->>'waitId'));