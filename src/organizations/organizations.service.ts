import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { errorBody } from '../common/error-body.js';
import { Sql, type Queryable } from '../database/sql.js';
import { MembershipErrorCode } from '../memberships/membership-error-codes.js';
import { MembershipRepository } from '../memberships/membership.repository.js';
import type { MembershipActor } from '../memberships/memberships.service.js';
import type { OrganizationDto } from './dto/organization.dto.js';
import { OrganizationErrorCode } from './organization-error-codes.js';
import { OrganizationRepository, type OrganizationRecord } from './organization.repository.js';

export function organizationNotFound(): NotFoundException {
  return new NotFoundException(
    errorBody('The organization does not exist', MembershipErrorCode.ORGANIZATION_NOT_FOUND),
  );
}

export function toOrganizationData(o: OrganizationRecord): OrganizationDto {
  return {
    id: o.id,
    name: o.name,
    deletedAt: o.deletedAt === null ? null : o.deletedAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    createdAt: o.createdAt.toISOString(),
  };
}

const snapshot = (o: OrganizationRecord) => ({
  name: o.name,
  deletedAt: o.deletedAt === null ? null : o.deletedAt.toISOString(),
});

/**
 * Backoffice creates, renames, deletes and restores organizations. A deleted organization
 * is unknown to every membership route (each joins `organizations.deleted_at IS NULL`), so
 * its memberships stop granting anything at once and come back as they were on restore.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly sql: Sql,
    private readonly organizations: OrganizationRepository,
    private readonly memberships: MembershipRepository,
    private readonly audit: AuditService,
  ) {}

  async get(id: number): Promise<OrganizationDto> {
    const found = await this.organizations.get(this.sql, id);
    if (!found || found.deletedAt !== null) {
      throw organizationNotFound();
    }
    return toOrganizationData(found);
  }

  async create(actor: MembershipActor, name: string): Promise<OrganizationDto> {
    return this.sql.transaction(async (tx) => {
      const created = await this.organizations.create(tx, name);
      await this.record(tx, actor, 'organization.created', created, null);
      return toOrganizationData(created);
    });
  }

  async rename(actor: MembershipActor, id: number, name: string): Promise<OrganizationDto> {
    return this.sql.transaction(async (tx) => {
      const before = await this.lockLive(tx, id);
      if (before.name === name) {
        return toOrganizationData(before);
      }
      const after = await this.organizations.update(tx, id, { name });
      await this.record(tx, actor, 'organization.renamed', after, before);
      return toOrganizationData(after);
    });
  }

  async remove(actor: MembershipActor, id: number): Promise<OrganizationDto> {
    return this.sql.transaction(async (tx) => {
      const before = await this.lockLive(tx, id);
      const after = await this.organizations.update(tx, id, { deleted: true });
      await this.memberships.cancelOrganizationMails(tx, id);
      await this.record(tx, actor, 'organization.deleted', after, before);
      return toOrganizationData(after);
    });
  }

  async restore(actor: MembershipActor, id: number): Promise<OrganizationDto> {
    return this.sql.transaction(async (tx) => {
      const before = await this.organizations.lock(tx, id);
      if (!before) {
        throw organizationNotFound();
      }
      if (before.deletedAt === null) {
        throw new ConflictException(
          errorBody('The organization is not deleted', OrganizationErrorCode.ORGANIZATION_NOT_DELETED),
        );
      }
      const after = await this.organizations.update(tx, id, { deleted: false });
      await this.record(tx, actor, 'organization.restored', after, before);
      return toOrganizationData(after);
    });
  }

  /** Locks a live organization; 404 for an unknown or deleted one. */
  async lockLive(tx: Queryable, id: number): Promise<OrganizationRecord> {
    const found = await this.organizations.lock(tx, id);
    if (!found || found.deletedAt !== null) {
      throw organizationNotFound();
    }
    return found;
  }

  private record(
    tx: Queryable,
    actor: MembershipActor,
    action: string,
    after: OrganizationRecord,
    before: OrganizationRecord | null,
  ): Promise<void> {
    return this.audit.record(
      {
        action,
        actor: actor.auth,
        organizationId: after.id,
        before: before && snapshot(before),
        after: snapshot(after),
        requestId: actor.requestId,
      },
      tx,
    );
  }
}
