CREATE TABLE "waits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"event_name" text DEFAULT '' NOT NULL,
	"expression" text DEFAULT '' NOT NULL,
	"match" text DEFAULT '' NOT NULL,
	"trigger_event" jsonb,
	"min_seq" bigint DEFAULT 0 NOT NULL,
	"child_run_id" uuid,
	"timeout_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "queue" ADD COLUMN "dirty" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan_mode" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "waits_run_step_idx" ON "waits" USING btree ("run_id","step_id");--> statement-breakpoint
CREATE INDEX "waits_event_idx" ON "waits" USING btree ("event_name");--> statement-breakpoint
CREATE INDEX "waits_child_idx" ON "waits" USING btree ("child_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "timers_sleep_step_idx" ON "timers" USING btree ("run_id","step_id") WHERE kind = 'sleep';