import type http from 'node:http';
import { send, type Outcome } from './http.js';

export interface LoadRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** What the request writes, to check after recovery that every acknowledged write is there. */
  writes?: number;
}

export interface LoadResult {
  request: LoadRequest;
  /** performance.now() when it was sent and when it was answered or failed. */
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
}

/**
 * A bounded load: `concurrency` workers each send the next request, then pause `pauseMs`, until
 * stopped or `maxRequests` were sent. Every result is kept, for the phase by phase checks.
 */
export class Load {
  readonly results: LoadResult[] = [];
  private stopped = false;
  private sent = 0;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly url: () => string,
    private readonly next: (i: number) => LoadRequest,
    private readonly options: {
      concurrency: number;
      pauseMs: number;
      maxRequests: number;
      timeoutMs?: number;
      agent?: http.Agent | false;
    },
  ) {}

  start(): this {
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work());
    return this;
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.sent < this.options.maxRequests) {
      const request = this.next(this.sent++);
      const startedAt = performance.now();
      const outcome = await send(this.url(), request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        timeoutMs: this.options.timeoutMs ?? 20_000,
        agent: this.options.agent,
      });
      this.results.push({ request, startedAt, endedAt: performance.now(), outcome });
      if (this.options.pauseMs > 0) {
        await new Promise((r) => setTimeout(r, this.options.pauseMs));
      }
    }
  }

  async stop(): Promise<LoadResult[]> {
    this.stopped = true;
    await Promise.all(this.workers);
    return this.results;
  }

  /** Results of requests sent in [from, to). */
  between(from: number, to = Infinity): LoadResult[] {
    return this.results.filter((r) => r.startedAt >= from && r.startedAt < to);
  }
}

export const statusOf = (r: LoadResult): string =>
  r.outcome.kind === 'answer' ? String(r.outcome.status) : r.outcome.failure;

export const isOk = (r: LoadResult): boolean =>
  r.outcome.kind === 'answer' && r.outcome.status >= 200 && r.outcome.status < 300;

/** `200×3, 503×1`: how many of each label. */
export function countBy(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) {
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort()
    .map(([s, n]) => `${s}×${n}`)
    .join(', ');
}

export const tally = (results: LoadResult[]): string => countBy(results.map(statusOf));

export const tallyOutcomes = (outcomes: Outcome[]): string =>
  countBy(outcomes.map((o) => (o.kind === 'answer' ? String(o.status) : o.failure)));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
