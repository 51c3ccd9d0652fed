import http, { type IncomingHttpHeaders } from 'node:http';

/** What a request came to: an HTTP answer, or the transport failure (refused, reset, timeout). */
export type Outcome =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; text: string; ms: number }
  | { kind: 'failure'; failure: string; ms: number };

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is: hostile bodies need bytes JSON.stringify would never produce. */
  body?: string | Buffer;
  /** Client-side bound: a request not answered by then is a failure `timeout`. */
  timeoutMs?: number;
  /** Default: a keep-alive agent; `false` for one connection per request (`Connection: close`). */
  agent?: http.Agent | false;
}

export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Plain node:http, so nothing between the test and the service retries, rewrites or pools. */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<Outcome> {
  const started = performance.now();
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) {
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        agent: options.agent ?? keepAlive,
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          settle({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          settle({ kind: 'failure', failure: error.code ?? error.message, ms: performance.now() - started }),
        );
      },
    );
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({ kind: 'failure', failure: error.code ?? error.message, ms: performance.now() - started }),
    );
    req.end(options.body);
  });
}

/** The answer, or a thrown error saying which transport failure it was. */
export async function answer(baseUrl: string, path: string, options: SendOptions = {}) {
  const outcome = await send(baseUrl, path, options);
  if (outcome.kind === 'failure') {
    throw new Error(`${options.method ?? 'GET'} ${path}: ${outcome.failure} after ${Math.round(outcome.ms)} ms`);
  }
  return outcome;
}

export function jsonOf(outcome: Outcome): Record<string, unknown> | undefined {
  if (outcome.kind !== 'answer') {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(outcome.text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});

/** Runs `tasks` with at most `concurrency` at a time; results in task order. */
export async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}
