CREATE TYPE "public"."run_status" AS ENUM('queued', 'running', 'sleeping', 'waiting', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "apps" (
	"id" text PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_ids" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"user" jsonb,
	"ts" bigint NOT NULL,
	"v" text DEFAULT '' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "function_triggers" (
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"position" integer NOT NULL,
	"event_name" text NOT NULL,
	"expression" text DEFAULT '' NOT NULL,
	CONSTRAINT "function_triggers_app_id_function_id_position_pk" PRIMARY KEY("app_id","function_id","position")
);
--> statement-breakpoint
CREATE TABLE "function_versions" (
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"version" integer NOT NULL,
	"app_version" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "function_versions_app_id_function_id_version_pk" PRIMARY KEY("app_id","function_id","version")
);
--> statement-breakpoint
CREATE TABLE "functions" (
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"version" integer NOT NULL,
	"config" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "functions_app_id_function_id_pk" PRIMARY KEY("app_id","function_id")
);
--> statement-breakpoint
CREATE TABLE "queue" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"concurrency_key" text DEFAULT '' NOT NULL,
	"target_step_id" text DEFAULT '' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_id" uuid,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" text NOT NULL,
	"function_id" text NOT NULL,
	"function_version" integer NOT NULL,
	"status" "run_status" DEFAULT 'queued' NOT NULL,
	"event_ids" text[] NOT NULL,
	"event_seqs" bigint[] NOT NULL,
	"output" text,
	"error" jsonb,
	"attempt" integer DEFAULT 0 NOT NULL,
	"step_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"seq" bigserial NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"output" text,
	"error" jsonb,
	"attempt" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "steps_run_id_step_id_pk" PRIMARY KEY("run_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"step_id" text DEFAULT '' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"executor_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_version" text NOT NULL,
	"sdk" text NOT NULL,
	"function_ids" text[] NOT NULL,
	"max_concurrency" integer NOT NULL,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disconnected_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "events_name_seq_idx" ON "events" USING btree ("name","seq");--> statement-breakpoint
CREATE INDEX "events_id_idx" ON "events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "function_triggers_event_idx" ON "function_triggers" USING btree ("event_name");--> statement-breakpoint
CREATE UNIQUE INDEX "queue_run_target_idx" ON "queue" USING btree ("run_id","target_step_id");--> statement-breakpoint
CREATE INDEX "queue_fn_idx" ON "queue" USING btree ("app_id","function_id","id");--> statement-breakpoint
CREATE INDEX "runs_function_idx" ON "runs" USING btree ("function_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "runs_created_idx" ON "runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "runs_event_ids_idx" ON "runs" USING gin ("event_ids");--> statement-breakpoint
CREATE INDEX "runs_active_idx" ON "runs" USING btree ("id") WHERE status not in ('completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE INDEX "timers_due_idx" ON "timers" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "timers_run_idx" ON "timers" USING btree ("run_id");