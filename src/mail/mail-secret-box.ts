import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';

const VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a sealed value is bound to: it opens only for the same outbox row and recipient. */
export interface SealBinding {
  /** The outbox row's public identity (`mail_outbox.public_id`), chosen before the insert. */
  outboxId: string;
  /** The address the mail goes to; compared lower-cased, as the service compares emails. */
  recipient: string;
}

interface Key {
  id: string;
  bytes: Buffer;
}

/** A short, non-reversible name for a key, stored with each value it seals. */
export function mailKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('users-organizations:mail-key-id').digest('base64url').slice(0, 8);
}

/** A new public identity for an outbox row whose secret is sealed before the row is inserted. */
export const newOutboxId = (): string => randomUUID();

const aad = (binding: SealBinding) =>
  Buffer.from(
    `users-organizations:mail-outbox-secret:${VERSION}\n${binding.outboxId}\n${binding.recipient.toLowerCase()}`,
  );

/**
 * Seals the secrets an outbox mail carries (the invitation token) with AES-256-GCM under
 * MAIL_SECRET_KEY, so the raw token never sits in the database in clear between the invite and
 * the send. The associated data binds each value to its row's public identity and its
 * recipient: a sealed value copied to another row, or a row whose recipient was changed, does
 * not open. The key's id travels with the value (`v2.<key id>.<iv|tag|ciphertext>`), so after
 * a rotation the keys in MAIL_SECRET_KEY_PREVIOUS still open the rows sealed before it.
 */
export class MailSecretBox {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(currentKey: Buffer, previousKeys: readonly Buffer[] = []) {
    const keys = [currentKey, ...previousKeys].map((bytes) => {
      if (bytes.length !== 32) {
        throw new Error('A mail secret key must be 32 bytes');
      }
      return { id: mailKeyId(bytes), bytes };
    });
    this.current = keys[0];
    this.byId = new Map(keys.reverse().map((k) => [k.id, k]));
  }

  seal(plaintext: string, binding: SealBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    cipher.setAAD(aad(binding));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${this.current.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /**
   * The plaintext, or undefined when the value was tampered with, belongs to another row or
   * recipient, or was sealed with a key this instance no longer has.
   */
  open(sealed: string, binding: SealBinding): string | undefined {
    const [version, keyId, data, extra] = sealed.split('.');
    const key = keyId === undefined ? undefined : this.byId.get(keyId);
    if (version !== VERSION || key === undefined || data === undefined || extra !== undefined) {
      return undefined;
    }
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES));
      decipher.setAAD(aad(binding));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
