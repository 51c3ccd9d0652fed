import { Scope } from '../memberships/membership.constants.js';
import type { InvitationPreviewDto } from './dto/invitation-preview.dto.js';

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** What the page says, for each way a visit can end. */
export type AcceptPageContent =
  | { kind: 'invitation'; preview: InvitationPreviewDto; token: string; acceptPath: string }
  | { kind: 'unknown' }
  | { kind: 'limited'; retryAfterSeconds: number };

/** A page's HTTP status: an invitation that can no longer be accepted is gone (410). */
export function acceptPageStatus(content: AcceptPageContent): number {
  switch (content.kind) {
    case 'unknown':
      return 404;
    case 'limited':
      return 429;
    case 'invitation':
      return content.preview.state === 'pending' || content.preview.state === 'accepted' ? 200 : 410;
  }
}

const ENDED: Record<string, { title: string; text: string }> = {
  accepted: {
    title: 'This invitation was already accepted',
    text: 'You are a member of the organization: sign in to the product to use it.',
  },
  declined: {
    title: 'This invitation was declined',
    text: 'It can no longer be accepted. If that was a mistake, ask an admin of the organization to invite you again.',
  },
  revoked: {
    title: 'This invitation was revoked',
    text: 'It can no longer be accepted. Ask an admin of the organization for a new invitation if you still need one.',
  },
  expired: {
    title: 'This invitation has expired',
    text: 'It can no longer be accepted. Ask an admin of the organization to resend it: you will get a new link.',
  },
};

const formatDate = (iso: string): string => new Date(iso).toUTCString();

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
  main { max-width: 36rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem;
         box-shadow: 0 1px 4px rgba(0, 0, 0, .08); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
  dt { color: #5b6475; }
  dd { margin: 0; font-weight: 600; }
  code, pre { background: #f0f2f5; border-radius: 4px; padding: .1rem .3rem; font-size: .85rem; }
  pre { padding: .8rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  .state { display: inline-block; padding: .1rem .6rem; border-radius: 999px; background: #e8f0fe; }
  .state-pending { background: #e3f6e8; }
  .state-expired, .state-revoked, .state-declined { background: #fde8e8; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The page behind an invitation email's link: a plain server-rendered page (no scripts, so the
 * service's Content-Security-Policy stays as it is) showing what the invitation is and how to
 * accept it. Everything shown is what the public preview shows: emails masked.
 */
export function renderAcceptPage(content: AcceptPageContent): string {
  if (content.kind === 'unknown') {
    return layout(
      'Invitation not found',
      `<h1>This invitation link is not valid</h1>
<p>No invitation has this link. It may have been copied incompletely, or replaced by a newer invitation
email (each resend makes the previous link stop working).</p>
<p>Open the link from the most recent invitation email, or ask an admin of the organization to resend it.</p>`,
    );
  }
  if (content.kind === 'limited') {
    return layout(
      'Too many requests',
      `<h1>Too many requests</h1>
<p>Too many invitation links were opened from your address. Try again in ${content.retryAfterSeconds} seconds.</p>`,
    );
  }
  const { preview, token, acceptPath } = content;
  const role = preview.scope === Scope.ADMIN ? 'Admin' : 'Member';
  const details = `<dl>
  <dt>Organization</dt><dd id="organization">${escapeHtml(preview.organization.name)}</dd>
  <dt>Role</dt><dd id="role">${escapeHtml(preview.roleKey ?? role)}</dd>
  <dt>Invited by</dt><dd id="inviter">${escapeHtml(preview.invitedBy?.email ?? 'An administrator')}</dd>
  <dt>Invited address</dt><dd id="email">${escapeHtml(preview.email)}</dd>
  <dt>Expires</dt><dd id="expires">${escapeHtml(formatDate(preview.expiresAt))}</dd>
  <dt>State</dt><dd><span id="state" class="state state-${preview.state}">${preview.state}</span></dd>
</dl>`;
  if (preview.state !== 'pending') {
    const ended = ENDED[preview.state];
    return layout(ended.title, `<h1>${ended.title}</h1>\n${details}\n<p>${ended.text}</p>`);
  }
  const title = `You are invited to join ${preview.organization.name}`;
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
${details}
<h2>How to accept</h2>
<ol>
  <li>Sign in to the product that sent you this invitation, as <strong>${escapeHtml(preview.email)}</strong>
  (or create your account with that address).</li>
  <li>Accept the invitation there: it is listed among your pending invitations until
  ${escapeHtml(formatDate(preview.expiresAt))}. You can decline it the same way.</li>
</ol>
<p>For developers: the signed-in invitee accepts with this link's token, sending its bearer and session tokens:</p>
<pre id="api-call">POST ${escapeHtml(acceptPath)}
Content-Type: application/json

{ "token": "${escapeHtml(token)}" }</pre>`,
  );
}
