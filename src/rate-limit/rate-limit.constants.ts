export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');
export const RATE_LIMIT_WINDOW_MS = 60_000;

export enum RateLimitErrorCode {
  RATE_LIMITED = 'RATE_LIMITED',
}
