import { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotencyKeys1795326851780 implements MigrationInterface {
    name = 'IdempotencyKeys1795326851780'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "idempotency_keys" (
                "user_id" bigint NOT NULL,
                "key" character varying(255) NOT NULL,
                "request_hash" character varying(64) NOT NULL,
                "status" character varying(16) NOT NULL,
                "response_status" smallint,
                "response_body" jsonb,
                "response_headers" jsonb,
                "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "ck_idempotency_keys_status" CHECK ("status" IN ('in_progress', 'completed')),
                CONSTRAINT "PK_392b1af86f210d98d3f0c764728" PRIMARY KEY ("user_id", "key")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_idempotency_keys_expires_at" ON "idempotency_keys" ("expires_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_idempotency_keys_expires_at"
        `);
        await queryRunner.query(`
            DROP TABLE "idempotency_keys"
        `);
    }

}
