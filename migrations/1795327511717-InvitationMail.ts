import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Invitation mails: the outbox keeps the template data (`payload`) and the
 * invitation token encrypted (`secret`) until the worker renders and sends the mail, and a
 * mail can be `cancelled` when its invitation changes first. Generated from the entities;
 * the check constraint is by hand (TypeORM does not diff check expressions).
 */
export class InvitationMail1795327511717 implements MigrationInterface {
    name = 'InvitationMail1795327511717'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "payload" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "secret" text
        `);
        // by hand
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP CONSTRAINT "ck_mail_outbox_status"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD CONSTRAINT "ck_mail_outbox_status" CHECK ("status" IN ('pending', 'sent', 'failed', 'cancelled'))
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            UPDATE "mail_outbox" SET "status" = 'failed', "last_error" = 'cancelled' WHERE "status" = 'cancelled'
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP CONSTRAINT "ck_mail_outbox_status"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD CONSTRAINT "ck_mail_outbox_status" CHECK ("status" IN ('pending', 'sent', 'failed'))
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "secret"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "payload"
        `);
    }

}
