import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface WebhookRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Set when the addresses a name resolves to must be checked before connecting. */
  lookup?: LookupFunction;
}

/** The receiver's status code; rejects on a network failure or when the attempt times out. */
export function postWebhook(request: WebhookRequest): Promise<number> {
  const client = request.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      request.url,
      {
        method: 'POST',
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          'user-agent': 'users-organizations-webhooks/1',
        },
        lookup: request.lookup,
        // Redirects are not followed: a 3xx is a failed attempt (a redirect could lead anywhere).
        signal: AbortSignal.timeout(request.timeoutMs),
      },
      (res) => {
        // The body is of no interest; reading it frees the connection (the timeout still applies).
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** A short, secret-free description of a failed attempt. */
export function describeAttemptFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'AbortError' || error.name === 'TimeoutError') {
      return `No answer within ${timeoutMs} ms`;
    }
    const code = (error as { code?: unknown }).code;
    return (typeof code === 'string' ? `${error.message} (${code})` : error.message).slice(0, 480);
  }
  return String(error).slice(0, 480);
}
