/**
 * Marks the top-level fields of an answer that hold a secret shown once (an invitation link's
 * token): they are sent, but never kept anywhere to be answered again, such as the stored
 * answer of an Idempotency-Key (a replay answers without them). A symbol key, so the marker
 * itself never reaches the JSON.
 */
export const SHOWN_ONCE = Symbol('shownOnce');

export function shownOnce<T extends object>(body: T, fields: (keyof T & string)[]): T {
  return Object.assign(body, { [SHOWN_ONCE]: fields });
}

/** The answer without its shown-once fields, at any depth (a bulk's results): what may be stored. */
export function withoutShownOnce(body: unknown): unknown {
  if (Array.isArray(body)) {
    return body.map(withoutShownOnce);
  }
  if (typeof body !== 'object' || body === null) {
    return body;
  }
  const fields = (body as { [SHOWN_ONCE]?: string[] })[SHOWN_ONCE] ?? [];
  return Object.fromEntries(
    Object.entries(body).flatMap(([key, value]) => (fields.includes(key) ? [] : [[key, withoutShownOnce(value)]])),
  );
}
