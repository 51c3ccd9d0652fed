import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Outbox secrets bound to their row, and no session ids in the audit trail.
 *
 * - `mail_outbox.public_id`: the row's identity as its sealed secret knows it. The writer picks
 *   it (a random UUID) before the insert; existing rows get one from the default. Secrets sealed
 *   before this migration (format v1, keyed from SESSION_JWT_SECRET) no longer open: the worker
 *   fails those mails with a message saying to resend the invitation.
 * - `audit_events.actor_session_id` becomes `actor_session_hash`: the first 32 hex characters
 *   of the SHA-256 of the session id (src/audit/session-hash.ts), for the rows already there
 *   too. Changing the column's type rewrites the table without an UPDATE, so the append-only
 *   trigger stays on. The down migration cannot bring the ids back: it keeps the hashes (and a
 *   second up hashes them again: sessions come from other tools too, so no form of id can be
 *   told apart from a hash and left as it is).
 *
 * Generated from the entities, then the audit column's conversion written by hand.
 */
export class MailKeyAndSessionHash1796399268150 implements MigrationInterface {
    name = 'MailKeyAndSessionHash1796399268150'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "public_id" uuid NOT NULL DEFAULT gen_random_uuid()
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_mail_outbox_public_id" ON "mail_outbox" ("public_id")
        `);
        // by hand
        await queryRunner.query(`
            ALTER TABLE "audit_events"
                ALTER COLUMN "actor_session_id" TYPE character varying(64)
                USING left(encode(sha256(convert_to("actor_session_id", 'UTF8')), 'hex'), 32)
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
                RENAME COLUMN "actor_session_id" TO "actor_session_hash"
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "audit_events"
                RENAME COLUMN "actor_session_hash" TO "actor_session_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "audit_events"
                ALTER COLUMN "actor_session_id" TYPE character varying(128)
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_mail_outbox_public_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "public_id"
        `);
    }

}
