/** Outbox kinds of invitation mails: the first one, and each resend. */
export const INVITATION_MAIL_KIND = 'invitation';
export const INVITATION_RESENT_MAIL_KIND = 'invitation.resent';
export const INVITATION_MAIL_KINDS: readonly string[] = [INVITATION_MAIL_KIND, INVITATION_RESENT_MAIL_KIND];

/**
 * What an invitation mail needs besides its token, captured when the invitation is written
 * (`mail_outbox.payload`). The token stays sealed in `mail_outbox.secret` until send time.
 */
export interface InvitationMailPayload {
  organizationName: string;
  inviterEmail: string | null;
  scope: number;
  expiresAt: string;
}

export interface RenderedMail {
  text: string;
  html?: string;
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** INVITATION_ACCEPT_URL with its `{token}` filled in. */
export function acceptUrlFor(template: string, token: string): string {
  return template.replaceAll('{token}', encodeURIComponent(token));
}

/** The invitation email: names the organization and the inviter, carries the accept link. */
export function renderInvitationEmail(payload: InvitationMailPayload, acceptUrl: string): RenderedMail {
  const role = payload.scope === 1 ? 'an admin' : 'a member';
  const inviter = payload.inviterEmail ?? 'An administrator';
  const expires = new Date(payload.expiresAt).toUTCString();
  const text = [
    `${inviter} invited you to join ${payload.organizationName} as ${role}.`,
    '',
    'To accept the invitation, open this link:',
    acceptUrl,
    '',
    `The invitation expires on ${expires}. If you did not expect it, ignore this email.`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html><body>',
    `<p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(payload.organizationName)}</strong> as ${role}.</p>`,
    `<p><a href="${escapeHtml(acceptUrl)}">Accept the invitation</a></p>`,
    `<p>The invitation expires on ${escapeHtml(expires)}. If you did not expect it, ignore this email.</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { text, html };
}
