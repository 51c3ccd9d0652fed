/**
 * An address shown to whoever holds an invitation token: the first character of the local
 * part, `***`, and the domain (`jane@example.com` → `j***@example.com`), so the holder can tell
 * which of its addresses was invited without the token revealing anybody's full address.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) {
    return '***';
  }
  return `${email[0]}***${email.slice(at)}`;
}
