import autocannon from 'autocannon';

export interface Target {
  /** http://127.0.0.1:port */
  url: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** 2xx answers per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** The invitees of the 2xx answers (invite runs only). */
  userIds: number[];
}

function summarize(result: autocannon.Result, userIds: number[]): LoadResult {
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    userIds,
  };
}

export const INVITE_BODY = { scope: 2, permissions: { group: 0, read: [1, 2], manage: [1] }, professionId: 7 };

/**
 * POSTs invitations for `durationS` seconds on `connections` connections, each with an email
 * no request used before (`emailPrefix` must be unique per run), and keeps the invitee id of
 * each 201 so the rows can be checked afterwards.
 */
export async function driveInvites(
  target: Target,
  path: string,
  options: { connections: number; durationS: number; emailPrefix: string },
): Promise<LoadResult> {
  let n = 0;
  const userIds: number[] = [];
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path,
        headers: { ...target.headers, 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ email: `${options.emailPrefix}${++n}@invitees.bench.example.com`, ...INVITE_BODY }),
        }),
        onResponse: (status, body) => {
          if (status === 201) {
            userIds.push((JSON.parse(body) as { data: { userId: number } }).data.userId);
          }
        },
      },
    ],
  });
  return summarize(result, userIds);
}

/** GETs one path for `durationS` seconds on `connections` connections. */
export async function driveReads(
  target: Target,
  path: string,
  options: { connections: number; durationS: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationS,
    timeout: 10,
    requests: [{ method: 'GET', path, headers: target.headers }],
  });
  return summarize(result, []);
}

/** One request, for readiness and cold start: resolves with the status code. */
export async function post(url: string, headers: Record<string, string>, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2000),
  });
  await res.arrayBuffer();
  return res.status;
}
