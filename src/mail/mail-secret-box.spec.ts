import { randomBytes } from 'node:crypto';
import { MailSecretBox, mailKeyId, newOutboxId } from './mail-secret-box.js';

describe('MailSecretBox', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const box = new MailSecretBox(oldKey);
  const token = 'mJ3x0Q2pWc8rT1vYb6nE4kL9sD7fG5hA0zX2cV8bN1m';
  const row = { outboxId: newOutboxId(), recipient: 'Invitee@Example.com' };

  it('opens what it sealed for the same row and recipient, and never shows the plaintext', () => {
    const sealed = box.seal(token, row);
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(token);
    expect(box.open(sealed, row)).toBe(token);
  });

  it('stores the id of the sealing key, which does not reveal the key', () => {
    const keyId = box.seal(token, row).split('.')[1];
    expect(keyId).toBe(mailKeyId(oldKey));
    expect(oldKey.toString('hex')).not.toContain(keyId);
    expect(oldKey.toString('base64url')).not.toContain(keyId);
  });

  it('compares the recipient lower-cased, as emails are compared', () => {
    expect(box.open(box.seal(token, row), { ...row, recipient: 'invitee@example.com' })).toBe(token);
  });

  it('does not open a value moved to another row', () => {
    expect(box.open(box.seal(token, row), { ...row, outboxId: newOutboxId() })).toBeUndefined();
  });

  it('does not open a value whose row now names another recipient', () => {
    expect(box.open(box.seal(token, row), { ...row, recipient: 'attacker@example.com' })).toBeUndefined();
  });

  it('seals the same value differently each time (random IV)', () => {
    expect(box.seal(token, row)).not.toBe(box.seal(token, row));
  });

  describe('key rotation', () => {
    const sealedBefore = box.seal(token, row);
    const rotated = new MailSecretBox(newKey, [oldKey]);

    it('opens values sealed with the previous key after the rotation', () => {
      expect(rotated.open(sealedBefore, row)).toBe(token);
    });

    it('seals new values with the new key', () => {
      const sealed = rotated.seal(token, row);
      expect(sealed.split('.')[1]).toBe(mailKeyId(newKey));
      expect(new MailSecretBox(newKey).open(sealed, row)).toBe(token);
      expect(box.open(sealed, row)).toBeUndefined();
    });

    it('still binds values sealed with the previous key to their row and recipient', () => {
      expect(rotated.open(sealedBefore, { ...row, outboxId: newOutboxId() })).toBeUndefined();
      expect(rotated.open(sealedBefore, { ...row, recipient: 'attacker@example.com' })).toBeUndefined();
    });

    it('no longer opens them once the previous key is dropped', () => {
      expect(new MailSecretBox(newKey).open(sealedBefore, row)).toBeUndefined();
    });

    it('refuses a value whose key id was swapped for the current one', () => {
      const [, , data] = sealedBefore.split('.');
      expect(rotated.open(`v2.${mailKeyId(newKey)}.${data}`, row)).toBeUndefined();
    });
  });

  it('refuses a tampered value, an unknown key id, the former v1 format and garbage', () => {
    const sealed = box.seal(token, row);
    const [, keyId, data] = sealed.split('.');
    const raw = Buffer.from(data, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(box.open(`v2.${keyId}.${raw.toString('base64url')}`, row)).toBeUndefined();
    expect(new MailSecretBox(newKey).open(sealed, row)).toBeUndefined();
    expect(box.open(sealed.replace(/^v2/, 'v1'), row)).toBeUndefined();
    expect(box.open(`v1.${data}`, row)).toBeUndefined();
    expect(box.open(`${sealed}.x`, row)).toBeUndefined();
    expect(box.open('v2.', row)).toBeUndefined();
    expect(box.open('nonsense', row)).toBeUndefined();
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new MailSecretBox(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new MailSecretBox(newKey, [randomBytes(31)])).toThrow(/32 bytes/);
  });
});
