import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// An incoming id is echoed only when it is short and plain, so logs cannot be injected into.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts the caller's `x-request-id` or generates one (used by pino-http's genReqId). */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The id pino-http assigned to this request. */
export function requestIdOf(req: unknown): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}
