import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The tables other tools rely on and the service's own (mail outbox, audit trail).
 * Generated from the entities; the statements after "by hand" are what TypeORM cannot
 * describe: the unique lower(email) among live users and the append-only audit trigger.
 */
export class Init1795326219128 implements MigrationInterface {
    name = 'Init1795326219128'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "action" character varying(64) NOT NULL,
                "actor_user_id" bigint,
                "actor_session_id" character varying(128),
                "organization_id" bigint,
                "target_user_id" bigint,
                "membership_id" bigint,
                "before" jsonb,
                "after" jsonb,
                "request_id" character varying(128),
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_occurred_at" ON "audit_events" ("occurred_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_actor" ON "audit_events" ("actor_user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_target_user" ON "audit_events" ("target_user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_organization" ON "audit_events" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "email" character varying(250) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "deleted_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_users_status" CHECK ("status" IN ('active', 'invited')),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "sessions" (
                "id" character varying(128) NOT NULL,
                "user_id" bigint NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sessions_user_id" ON "sessions" ("user_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "organizations" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "name" character varying(200) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "deleted_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "user_organizations" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "user_id" bigint NOT NULL,
                "organization_id" bigint NOT NULL,
                "scope" smallint NOT NULL,
                "permissions" jsonb NOT NULL,
                "profession_id" bigint,
                "status" character varying(16) NOT NULL,
                "invited_by" bigint,
                "invitation_token_hash" character varying(64),
                "invitation_expires_at" TIMESTAMP WITH TIME ZONE,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "end_reason" character varying(16),
                "ended_by" bigint,
                "version" integer NOT NULL DEFAULT '1',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "deleted_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_user_organizations_end_reason" CHECK (
                    "end_reason" IS NULL
                    OR "end_reason" IN (
                        'removed',
                        'left',
                        'revoked',
                        'declined',
                        'expired'
                    )
                ),
                CONSTRAINT "ck_user_organizations_status" CHECK ("status" IN ('invited', 'active')),
                CONSTRAINT "ck_user_organizations_scope" CHECK ("scope" IN (1, 2)),
                CONSTRAINT "PK_51ed3f60fdf013ee5041d2d4d3d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_user_organizations_invitation_token" ON "user_organizations" ("invitation_token_hash")
            WHERE "invitation_token_hash" IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_user_organizations_user" ON "user_organizations" ("user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_user_organizations_org_all" ON "user_organizations" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_user_organizations_org_live" ON "user_organizations" ("organization_id", "id")
            WHERE "deleted_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_user_organizations_live" ON "user_organizations" ("user_id", "organization_id")
            WHERE "deleted_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "mail_outbox" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "kind" character varying(32) NOT NULL,
                "membership_id" bigint,
                "recipient" character varying(250) NOT NULL,
                "subject" character varying(300) NOT NULL,
                "body_text" text,
                "body_html" text,
                "status" character varying(16) NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT '0',
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_error" text,
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_mail_outbox_status" CHECK ("status" IN ('pending', 'sent', 'failed')),
                CONSTRAINT "PK_fecc63c96385bc35a39ccf2a72e" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_mail_outbox_membership" ON "mail_outbox" ("membership_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_mail_outbox_due" ON "mail_outbox" ("next_attempt_at")
            WHERE "status" = 'pending'
        `);
        await queryRunner.query(`
            ALTER TABLE "sessions"
            ADD CONSTRAINT "fk_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations"
            ADD CONSTRAINT "fk_user_organizations_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations"
            ADD CONSTRAINT "fk_user_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations"
            ADD CONSTRAINT "fk_user_organizations_invited_by" FOREIGN KEY ("invited_by") REFERENCES "users"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD CONSTRAINT "fk_mail_outbox_membership" FOREIGN KEY ("membership_id") REFERENCES "user_organizations"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        // by hand
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_users_email_live" ON "users" (lower("email"))
            WHERE "deleted_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "tr_audit_events_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_events"
            FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TRIGGER "tr_audit_events_append_only" ON "audit_events"
        `);
        await queryRunner.query(`
            DROP FUNCTION "audit_events_append_only"()
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_users_email_live"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP CONSTRAINT "fk_mail_outbox_membership"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP CONSTRAINT "fk_user_organizations_invited_by"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP CONSTRAINT "fk_user_organizations_organization"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP CONSTRAINT "fk_user_organizations_user"
        `);
        await queryRunner.query(`
            ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_user"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_mail_outbox_due"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_mail_outbox_membership"
        `);
        await queryRunner.query(`
            DROP TABLE "mail_outbox"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_user_organizations_live"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_user_organizations_org_live"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_user_organizations_org_all"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_user_organizations_user"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_user_organizations_invitation_token"
        `);
        await queryRunner.query(`
            DROP TABLE "user_organizations"
        `);
        await queryRunner.query(`
            DROP TABLE "organizations"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sessions_user_id"
        `);
        await queryRunner.query(`
            DROP TABLE "sessions"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_organization"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_target_user"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_actor"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_occurred_at"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
    }

}
