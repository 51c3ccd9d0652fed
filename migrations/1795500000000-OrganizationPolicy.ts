import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Organization policy: seat and pending-invitation limits and allowed email domains on the
 * organization (null: no limit, any domain), the role a membership was granted from (null:
 * a grant given as scope and permissions), and `organization_usage`, which serializes the
 * statements that add memberships to a limited organization.
 */
export class OrganizationPolicy1795500000000 implements MigrationInterface {
    name = 'OrganizationPolicy1795500000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "organizations" ADD "max_members" integer
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" ADD "max_pending_invitations" integer
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" ADD "allowed_email_domains" text array
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" ADD "role_key" character varying(40)
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations"
            ADD CONSTRAINT "ck_organizations_max_members" CHECK ("max_members" IS NULL OR "max_members" >= 0)
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations"
            ADD CONSTRAINT "ck_organizations_max_pending_invitations" CHECK ("max_pending_invitations" IS NULL OR "max_pending_invitations" >= 0)
        `);
        // Locks an organization row (FOR NO KEY UPDATE: inserts that reference it still run)
        // and then counts its seats and pending invitations. A VOLATILE function takes a fresh
        // snapshot for each of its queries, so the count, read after the lock was granted,
        // includes what the previous holder committed; the calling statement's own snapshot,
        // taken before it waited, would not.
        await queryRunner.query(`
            CREATE FUNCTION organization_usage(org bigint, OUT seats integer, OUT pending integer)
            LANGUAGE plpgsql VOLATILE AS $fn$
            BEGIN
                -- an organization without limits is neither locked nor counted: nothing to decide
                PERFORM 1 FROM organizations
                 WHERE id = org AND (max_members IS NOT NULL OR max_pending_invitations IS NOT NULL)
                   FOR NO KEY UPDATE;
                IF NOT FOUND THEN
                    seats := 0;
                    pending := 0;
                    RETURN;
                END IF;
                SELECT count(*) FILTER (
                           WHERE uo.status = 'active' OR uo.invitation_expires_at IS NULL
                              OR uo.invitation_expires_at > now()
                       )::int,
                       count(*) FILTER (
                           WHERE uo.status = 'invited'
                             AND (uo.invitation_expires_at IS NULL OR uo.invitation_expires_at > now())
                       )::int
                  INTO seats, pending
                  FROM user_organizations uo
                 WHERE uo.organization_id = org AND uo.deleted_at IS NULL;
            END
            $fn$
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP FUNCTION organization_usage(bigint)
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" DROP CONSTRAINT "ck_organizations_max_pending_invitations"
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" DROP CONSTRAINT "ck_organizations_max_members"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_organizations" DROP COLUMN "role_key"
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" DROP COLUMN "allowed_email_domains"
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" DROP COLUMN "max_pending_invitations"
        `);
        await queryRunner.query(`
            ALTER TABLE "organizations" DROP COLUMN "max_members"
        `);
    }
}
