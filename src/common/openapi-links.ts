import type { OpenAPIObject } from '@nestjs/swagger';

/*
 * OpenAPI links: how the answer of one operation names the resource that others read, change
 * or end, so that a client generator or a stateful API fuzzer can chain them (create an
 * invitation, then read, change or revoke it) without knowing our URLs. Each entry is checked
 * against the document when it is built: a renamed operation or parameter fails the build
 * instead of leaving a dangling link.
 */

interface LinkSpec {
  operationId: string;
  description: string;
  parameters: Record<string, string>;
}

type LinkTable = Record<string, Record<string, Record<string, LinkSpec>>>;

const link = (operationId: string, description: string, parameters: Record<string, string>): LinkSpec => ({
  operationId,
  description,
  parameters,
});

/** Each operation's next page: the same request with the answer's `nextCursor`. */
const nextPage = (operationId: string, parameters: Record<string, string> = {}) => ({
  nextPage: link(operationId, 'The next page', { ...parameters, cursor: '$response.body#/nextCursor' }),
});

/** The membership of `data` (a member or a pending invitation), for its organization's admins. */
const memberOps = (parameters: Record<string, string>, what: string) => ({
  getMember: link('getMemberUserOrganization', `Read ${what}`, parameters),
  updateMember: link('updateMemberUserOrganization', `Change ${what}`, parameters),
  removeMember: link('deleteMemberUserOrganization', `Remove ${what}`, parameters),
});

const caller = { userId: '$request.path.userId' };
const createdMember = {
  ...caller,
  memberUserId: '$response.body#/data/userId',
  organizationId: '$response.body#/data/organizationId',
};
const readMember = {
  ...caller,
  memberUserId: '$request.path.memberUserId',
  organizationId: '$response.body#/data/organizationId',
  'If-Match': '$response.header.ETag',
};
const boMembership = {
  userId: '$response.body#/data/userId',
  organizationId: '$response.body#/data/organizationId',
};
const boMembershipRead = { ...boMembership, 'If-Match': '$response.header.ETag' };
const listedInvitation = { ...caller, invitationId: '$response.body#/data/0/invitationId' };
const readInvitation = { ...caller, invitationId: '$response.body#/data/invitationId' };
const invitationOps = (parameters: Record<string, string>, ops: string[]) =>
  Object.fromEntries(
    ops.map((op) => [
      op,
      link(
        {
          getInvitation: 'getInvitationUserOrganization',
          resendInvitation: 'resendInviteUserOrganization',
          revokeInvitation: 'deleteInviteUserOrganization',
          acceptInvitation: 'acceptInviteUserOrganization',
          declineInvitation: 'declineInviteUserOrganization',
        }[op] as string,
        op.replace(/Invitation$/, ' the invitation').replace(/^get/, 'read'),
        parameters,
      ),
    ]),
  );

/** operationId → status → link name → link. */
const LINKS: LinkTable = {
  createInviteUserOrganization: { 201: memberOps(createdMember, 'the invitation as a membership') },
  inviteUser: {
    201: {
      getMember: link('getMemberUserOrganization', 'Read the invitation as a membership', {
        memberUserId: '$response.body#/user/id',
        organizationId: '$response.body#/user/organizationId',
      }),
    },
  },
  getInvitationsUserOrganization: {
    200: {
      ...invitationOps(listedInvitation, ['getInvitation', 'acceptInvitation', 'declineInvitation']),
      ...nextPage('getInvitationsUserOrganization', caller),
    },
  },
  getInvitationUserOrganization: {
    200: invitationOps(readInvitation, [
      'resendInvitation',
      'revokeInvitation',
      'acceptInvitation',
      'declineInvitation',
    ]),
  },
  resendInviteUserOrganization: { 200: invitationOps(readInvitation, ['getInvitation', 'revokeInvitation']) },
  listMembersUserOrganization: {
    200: {
      getMember: link('getMemberUserOrganization', 'Read the first member of the page', {
        ...caller,
        memberUserId: '$response.body#/data/0/userId',
        organizationId: '$response.body#/data/0/organizationId',
      }),
      ...nextPage('listMembersUserOrganization', caller),
    },
  },
  getMemberUserOrganization: {
    200: {
      updateMember: link('updateMemberUserOrganization', 'Change the member, if unchanged since', readMember),
      removeMember: link('deleteMemberUserOrganization', 'Remove the member, if unchanged since', readMember),
    },
  },
  updateMemberUserOrganization: {
    200: {
      updateMember: link('updateMemberUserOrganization', 'Change it again, if unchanged since', readMember),
      removeMember: link('deleteMemberUserOrganization', 'Remove the member, if unchanged since', readMember),
    },
  },
  createRegisterUserOrganization: {
    201: {
      getMembership: link('getBoUserOrganization', 'Read the membership', boMembership),
      updateMembership: link('updateBoUserOrganization', 'Change the membership', boMembership),
      removeMembership: link('deleteBoUserOrganization', 'Remove the membership', boMembership),
    },
  },
  getBoUserOrganization: {
    200: {
      updateMembership: link('updateBoUserOrganization', 'Change it, if unchanged since', boMembershipRead),
      removeMembership: link('deleteBoUserOrganization', 'Remove it, if unchanged since', boMembershipRead),
    },
  },
  deleteBoUserOrganization: {
    200: {
      restoreMembership: link('restoreBoUserOrganization', 'Restore the removed membership', boMembership),
    },
  },
  restoreBoUserOrganization: {
    200: { getMembership: link('getBoUserOrganization', 'Read the restored membership', boMembership) },
  },
  listBoOrganizationMembers: {
    200: nextPage('listBoOrganizationMembers', { organizationId: '$request.path.organizationId' }),
  },
  listBoUserOrganizations: { 200: nextPage('listBoUserOrganizations', { userId: '$request.path.userId' }) },
  listBoAuditEvents: { 200: nextPage('listBoAuditEvents') },
  listBoEvents: {
    200: { nextPage: link('listBoEvents', 'The events after these', { after: '$response.body#/nextCursor' }) },
  },
  listBoWebhooks: { 200: nextPage('listBoWebhooks') },
  listBoWebhookDeliveries: {
    200: nextPage('listBoWebhookDeliveries', { webhookId: '$request.path.webhookId' }),
  },
  listOrganizationsUserOrganization: { 200: nextPage('listOrganizationsUserOrganization', caller) },
};

type Operation = { operationId?: string; parameters?: unknown[]; responses: Record<string, unknown> };

/** Adds the links above to the document's responses; throws on a link to nothing. */
export function addLinks(document: OpenAPIObject): void {
  const operations = new Map<string, Operation>();
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method] as Operation | undefined;
      if (operation?.operationId) {
        operations.set(operation.operationId, operation);
      }
    }
  }
  const parameterNames = (op: Operation) => new Set((op.parameters ?? []).map((p) => (p as { name: string }).name));
  for (const [from, byStatus] of Object.entries(LINKS)) {
    const source = operations.get(from);
    if (!source) {
      throw new Error(`OpenAPI link from an unknown operation: ${from}`);
    }
    for (const [status, links] of Object.entries(byStatus)) {
      const response = source.responses[status] as { links?: Record<string, unknown> } | undefined;
      if (!response) {
        throw new Error(`OpenAPI link from an undocumented response: ${from} ${status}`);
      }
      for (const [name, spec] of Object.entries(links)) {
        const target = operations.get(spec.operationId);
        const known = target ? parameterNames(target) : new Set<string>();
        const unknown = Object.keys(spec.parameters).filter((p) => !known.has(p));
        if (!target || unknown.length > 0) {
          throw new Error(`OpenAPI link ${from} → ${spec.operationId} names unknown parameters: ${unknown.join(', ')}`);
        }
        response.links = { ...response.links, [name]: spec };
      }
    }
  }
}
