import { MailSecretBox } from './mail-secret-box.js';

describe('MailSecretBox', () => {
  const box = new MailSecretBox('a-session-secret-of-reasonable-length-000');
  const token = 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m';

  it('opens what it sealed, and never shows the plaintext in the sealed form', () => {
    const sealed = box.seal(token);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(token);
    expect(box.open(sealed)).toBe(token);
  });

  it('seals the same value differently each time (random IV)', () => {
    expect(box.seal(token)).not.toBe(box.seal(token));
  });

  it('refuses a tampered value, another key, another version and garbage', () => {
    const sealed = box.seal(token);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(box.open(`v1.${raw.toString('base64url')}`)).toBeUndefined();
    expect(new MailSecretBox('another-secret-of-reasonable-length-0000').open(sealed)).toBeUndefined();
    expect(box.open(sealed.replace(/^v1/, 'v2'))).toBeUndefined();
    expect(box.open('v1.')).toBeUndefined();
    expect(box.open('nonsense')).toBeUndefined();
  });
});
