CREATE TABLE "cancels" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"event_name" text NOT NULL,
	"expression" text DEFAULT '' NOT NULL,
	"match" text DEFAULT '' NOT NULL,
	"trigger_event" jsonb,
	"min_seq" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "crons" (
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"position" integer NOT NULL,
	"cron" text NOT NULL,
	"expression" text NOT NULL,
	"tz" text DEFAULT 'UTC' NOT NULL,
	"next_at" timestamp with time zone NOT NULL,
	CONSTRAINT "crons_app_id_function_id_position_pk" PRIMARY KEY("app_id","function_id","position")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"key" text NOT NULL,
	"run_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_app_id_function_id_key_pk" PRIMARY KEY("app_id","function_id","key")
);
--> statement-breakpoint
ALTER TABLE "functions" ADD COLUMN "app_version" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "concurrency_keys" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "cancels_event_idx" ON "cancels" USING btree ("event_name");--> statement-breakpoint
CREATE INDEX "cancels_run_idx" ON "cancels" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "crons_next_idx" ON "crons" USING btree ("next_at");--> statement-breakpoint
ALTER TABLE "queue" DROP COLUMN "concurrency_key";