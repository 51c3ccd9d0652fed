import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds a sealed value to its use: a value sealed for something else does not open here.
const AAD = Buffer.from('users-organizations:mail-outbox-secret');

/**
 * Seals the secrets an outbox mail carries (the invitation token) with AES-256-GCM, so the
 * raw token never sits in the database in clear between the invite and the send. The key is
 * derived (HKDF-SHA256) from SESSION_JWT_SECRET, which every instance already shares;
 * changing that secret makes pending mails unreadable, and the worker then fails them with a
 * message saying to resend the invitation.
 */
export class MailSecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'users-organizations', 'mail-outbox-secret/v1', 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or undefined when the value was tampered with or sealed with another key. */
  open(sealed: string): string | undefined {
    const [version, data] = sealed.split('.');
    if (version !== VERSION || data === undefined) {
      return undefined;
    }
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
