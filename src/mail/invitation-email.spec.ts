import { acceptUrlFor, renderInvitationEmail } from './invitation-email.js';

describe('renderInvitationEmail', () => {
  const payload = {
    organizationName: 'Acme <Research> & Co',
    inviterEmail: 'boss@acme.example',
    scope: 1,
    expiresAt: '2030-01-08T10:00:00.000Z',
  };

  it('names the organization and the inviter, and carries the accept link in both parts', () => {
    const url = acceptUrlFor('https://app.example/accept?token={token}', 'abc_DEF-123');
    expect(url).toBe('https://app.example/accept?token=abc_DEF-123');
    const mail = renderInvitationEmail(payload, url);
    expect(mail.text).toContain('boss@acme.example invited you to join Acme <Research> & Co as an admin.');
    expect(mail.text).toContain(url);
    expect(mail.text).toContain('Tue, 08 Jan 2030 10:00:00 GMT');
    expect(mail.html).toContain(`<a href="${url}">`);
  });

  it('escapes names in the HTML part', () => {
    const mail = renderInvitationEmail({ ...payload, inviterEmail: '"><script>x</script>' }, 'https://x/?t=1&u=2');
    expect(mail.html).toContain('Acme &lt;Research&gt; &amp; Co');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('href="https://x/?t=1&amp;u=2"');
  });

  it('says "An administrator" when the inviter is gone, and "a member" for scope 2', () => {
    const mail = renderInvitationEmail({ ...payload, inviterEmail: null, scope: 2 }, 'https://x');
    expect(mail.text).toMatch(/^An administrator invited you to join .* as a member\./);
  });
});
