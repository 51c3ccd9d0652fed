import { AuditEvent } from '../audit/audit-event.entity.js';
import { Session } from '../auth/session.entity.js';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity.js';
import { MailOutbox } from '../mail/mail-outbox.entity.js';
import { UserOrganization } from '../memberships/user-organization.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { OrganizationRole } from '../roles/organization-role.entity.js';
import { User } from '../users/user.entity.js';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity.js';

/** The explicit entity list (no globs): the app, the migration CLI and the tests share it. */
export const ENTITIES = [
  User,
  Organization,
  OrganizationRole,
  UserOrganization,
  Session,
  MailOutbox,
  AuditEvent,
  IdempotencyKey,
  WebhookEndpoint,
  WebhookDelivery,
];
