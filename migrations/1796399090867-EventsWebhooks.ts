import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Events and webhooks. Every audited change is an event: `audit_events.tx_id` records the
 * writing transaction, so the events feed can read in an order where a late commit is never
 * skipped. Webhook deliveries are queued by a trigger on `audit_events`, in the transaction
 * of the change itself, whichever code path (or hand-written SQL) audited it. Generated from
 * the entities; the trigger is by hand (TypeORM does not track triggers).
 */
export class EventsWebhooks1796399090867 implements MigrationInterface {
    name = 'EventsWebhooks1796399090867'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "webhook_endpoints" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "url" character varying(2048) NOT NULL,
                "events" text array NOT NULL,
                "organization_id" bigint,
                "enabled" boolean NOT NULL DEFAULT true,
                "disabled_reason" character varying(300),
                "secret" text NOT NULL,
                "previous_secret" text,
                "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_endpoints_organization" ON "webhook_endpoints" ("organization_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "webhook_deliveries" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "endpoint_id" bigint NOT NULL,
                "event_id" bigint NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT '0',
                "last_error" character varying(500),
                "last_status_code" integer,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "delivered_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_webhook_deliveries_endpoint_event" UNIQUE ("endpoint_id", "event_id"),
                CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN ('pending', 'delivered', 'failed')),
                CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at")
            WHERE "status" = 'pending'
        `);
        // by hand: a function, so the column default reads the same in the entity and the catalog
        await queryRunner.query(`
            CREATE FUNCTION "current_tx_id"() RETURNS bigint LANGUAGE sql VOLATILE
            AS 'SELECT pg_current_xact_id()::text::bigint'
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
            ADD "tx_id" bigint NOT NULL DEFAULT current_tx_id()
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_feed" ON "audit_events" ("tx_id", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries"
            ADD CONSTRAINT "fk_webhook_deliveries_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries"
            ADD CONSTRAINT "fk_webhook_deliveries_event" FOREIGN KEY ("event_id") REFERENCES "audit_events"("id") ON DELETE NO ACTION ON UPDATE NO ACTION
        `);
        // by hand: one INSERT per statement (a transition table), so a statement that audits
        // several rows queues their deliveries together.
        await queryRunner.query(`
            CREATE FUNCTION "webhook_deliveries_enqueue"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO "webhook_deliveries" ("endpoint_id", "event_id")
                SELECT e."id", n."id"
                  FROM "new_audit_events" n
                  JOIN "webhook_endpoints" e
                    ON e."enabled"
                   AND (e."organization_id" IS NULL OR e."organization_id" = n."organization_id")
                   AND ('*' = ANY (e."events") OR n."action" = ANY (e."events"))
                 ORDER BY n."id", e."id";
                RETURN NULL;
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "tr_audit_events_webhooks" AFTER INSERT ON "audit_events"
            REFERENCING NEW TABLE AS "new_audit_events"
            FOR EACH STATEMENT EXECUTE FUNCTION "webhook_deliveries_enqueue"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TRIGGER "tr_audit_events_webhooks" ON "audit_events"
        `);
        await queryRunner.query(`
            DROP FUNCTION "webhook_deliveries_enqueue"()
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "fk_webhook_deliveries_event"
        `);
        await queryRunner.query(`
            ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "fk_webhook_deliveries_endpoint"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_feed"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events" DROP COLUMN "tx_id"
        `);
        await queryRunner.query(`
            DROP FUNCTION "current_tx_id"()
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_deliveries_due"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_deliveries_endpoint"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_deliveries"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_endpoints_organization"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_endpoints"
        `);
    }

}
