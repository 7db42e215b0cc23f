CREATE TABLE "match_paths" (
	"event_name" text NOT NULL,
	"key_path" text NOT NULL,
	CONSTRAINT "match_paths_event_name_key_path_pk" PRIMARY KEY("event_name","key_path")
);
--> statement-breakpoint
DROP INDEX "cancels_event_idx";--> statement-breakpoint
DROP INDEX "waits_event_idx";--> statement-breakpoint
ALTER TABLE "cancels" ADD COLUMN "key_path" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "cancels" ADD COLUMN "match_key" text;--> statement-breakpoint
ALTER TABLE "waits" ADD COLUMN "key_path" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "waits" ADD COLUMN "match_key" text;--> statement-breakpoint
CREATE INDEX "cancels_event_idx" ON "cancels" USING btree ("event_name","key_path","match_key");--> statement-breakpoint
CREATE INDEX "waits_event_idx" ON "waits" USING btree ("event_name","key_path","match_key");