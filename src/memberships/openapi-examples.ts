/** Examples shown in Swagger UI for the management routes. */

export const MEMBER_EXAMPLE = {
  id: 42,
  userId: 7,
  organizationId: 1,
  email: 'jane.doe@example.com',
  organizationName: 'Acme',
  scope: 2,
  permissions: { group: 0, read: [1, 2], manage: [1] },
  professionId: null,
  status: 'active',
  invitedBy: 3,
  invitationExpiresAt: null,
  endReason: null,
  endedBy: null,
  roleKey: 'member',
  version: 2,
  deletedAt: null,
  updatedAt: '2024-12-09T14:23:00.000Z',
  createdAt: '2024-01-15T08:45:00.000Z',
};

export const PAGE_EXAMPLE = {
  data: [
    { ...MEMBER_EXAMPLE, state: null },
    {
      ...MEMBER_EXAMPLE,
      id: 43,
      userId: 8,
      email: 'john.roe@example.com',
      status: 'invited',
      invitationExpiresAt: '2024-12-16T14:23:00.000Z',
      version: 1,
      state: 'pending',
    },
  ],
  nextCursor: 'djE6NDM',
};

export const UPDATE_EXAMPLES = {
  promote: { summary: 'Make the member an ADMIN', value: { scope: 1 } },
  permissions: {
    summary: 'Replace the permissions',
    value: { permissions: { group: 0, read: [1, 2], manage: [1] } },
  },
  profession: { summary: 'Clear the profession', value: { professionId: null } },
};
