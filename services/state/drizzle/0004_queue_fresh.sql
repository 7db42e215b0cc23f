DROP INDEX "queue_fn_idx";--> statement-breakpoint
ALTER TABLE "queue" ADD COLUMN "fresh" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "queue_fn_idx" ON "queue" USING btree ("app_id","function_id","fresh","id");