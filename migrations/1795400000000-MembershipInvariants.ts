import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The membership invariants in the schema:
 * - `end_reason` gains `inviter_lost_access` (an invitation ended because its inviter stopped
 *   being an active ADMIN of the organization), so it widens to 32 characters;
 * - `users.email` holds only ASCII (one byte per character). Rows that break it, written by
 *   another tool before this migration, are reported (ids in the migration's output) and left
 *   as they are: the constraint is then added NOT VALID, so it binds every new or changed row
 *   and an operator can fix the old ones and run `ALTER TABLE users VALIDATE CONSTRAINT`.
 * Check constraints are by hand (TypeORM does not diff check expressions).
 */
export class MembershipInvariants1795400000000 implements MigrationInterface {
    name = 'MembershipInvariants1795400000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP CONSTRAINT "ck_user_organizations_end_reason"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" ALTER COLUMN "end_reason" TYPE character varying(32)
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations"
            ADD CONSTRAINT "ck_user_organizations_end_reason" CHECK (
                "end_reason" IS NULL
                OR "end_reason" IN ('removed', 'left', 'revoked', 'declined', 'expired', 'inviter_lost_access')
            )
        `);
        const nonAscii: { id: string }[] = await queryRunner.query(
            `SELECT id FROM "users" WHERE octet_length("email") <> char_length("email") ORDER BY id`,
        );
        if (nonAscii.length > 0) {
            console.warn(
                `users.email must be ASCII: ${nonAscii.length} existing row(s) are not and were left unchanged ` +
                    `(ids ${nonAscii.map((r) => r.id).join(', ')}); the check binds new and changed rows only ` +
                    `until they are fixed and "ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_ascii" runs`,
            );
        }
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD CONSTRAINT "ck_users_email_ascii" CHECK (octet_length("email") = char_length("email"))
            ${nonAscii.length > 0 ? 'NOT VALID' : ''}
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "users" DROP CONSTRAINT "ck_users_email_ascii"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP CONSTRAINT "ck_user_organizations_end_reason"
        `);
        await queryRunner.query(`
            UPDATE "user_organizations" SET "end_reason" = 'revoked' WHERE "end_reason" = 'inviter_lost_access'
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" ALTER COLUMN "end_reason" TYPE character varying(16)
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations"
            ADD CONSTRAINT "ck_user_organizations_end_reason" CHECK (
                "end_reason" IS NULL
                OR "end_reason" IN ('removed', 'left', 'revoked', 'declined', 'expired')
            )
        `);
    }
}
