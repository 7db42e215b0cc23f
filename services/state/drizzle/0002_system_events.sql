ALTER TABLE "events" ADD COLUMN "pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "events_pending_idx" ON "events" USING btree ("seq") WHERE pending;