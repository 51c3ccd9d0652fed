import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The roles catalogue: each organization's custom roles (named presets of scope and
 * permissions), soft-deleted as history, one live role per key. The built-in `admin` and
 * `member` are not rows. Generated from the entity.
 */
export class OrganizationRoles1796410188087 implements MigrationInterface {
    name = 'OrganizationRoles1796410188087'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "organization_roles" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "organization_id" bigint NOT NULL,
                "key" character varying(40) NOT NULL,
                "name" character varying(100) NOT NULL,
                "scope" smallint NOT NULL,
                "permissions" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "deleted_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_organization_roles_scope" CHECK ("scope" IN (1, 2)),
                CONSTRAINT "ck_organization_roles_key" CHECK (
                    "key" ~ '^[a-z0-9-]{1,40}$'
                    AND "key" NOT IN ('admin', 'member')
                ),
                CONSTRAINT "PK_c259f80f8cdc0877e9eabe3e632" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_organization_roles_live_key" ON "organization_roles" ("organization_id", "key")
            WHERE "deleted_at" IS NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "organization_roles"
            ADD CONSTRAINT "fk_organization_roles_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "organization_roles" DROP CONSTRAINT "fk_organization_roles_organization"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_organization_roles_live_key"
        `);
        await queryRunner.query(`
            DROP TABLE "organization_roles"
        `);
    }

}
