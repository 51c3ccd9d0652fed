/**
 * The event types: an event's type is the audit action of the change. Every audited change
 * is an event, so an action added elsewhere appears in the feed at once; listing it here
 * also lets webhook endpoints subscribe to it by name.
 */
export const EVENT_TYPES = [
  'invitation.created',
  'invitation.resent',
  'invitation.accepted',
  'invitation.declined',
  'invitation.revoked',
  'invitation.expired',
  'membership.registered',
  'membership.updated',
  'membership.removed',
  'membership.left',
  'membership.restored',
  'organization.created',
  'organization.renamed',
  'organization.policy_updated',
  'organization.deleted',
  'organization.restored',
  'role.created',
  'role.updated',
  'role.deleted',
] as const;

/** Subscribes an endpoint to every event type, present and future. */
export const ALL_EVENTS = '*';
