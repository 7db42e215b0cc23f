CREATE INDEX "event_ids_created_idx" ON "event_ids" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "runs_ended_idx" ON "runs" USING btree ("ended_at") WHERE status in ('completed', 'failed', 'cancelled');