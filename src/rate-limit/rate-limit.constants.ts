import type { Request } from 'express';

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');
export const RATE_LIMIT_WINDOW_MS = 60_000;

export enum RateLimitErrorCode {
  RATE_LIMITED = 'RATE_LIMITED',
}

export const RATE_LIMIT_BUDGET = 'rateLimitBudget';

export interface BudgetOptions {
  /** Routes naming the same budget share it. */
  budget?: string;
  /** How much one request takes from it (a bulk of N takes N); default 1. */
  cost?: (req: Request) => number;
}

/** One invitation budget over every route that creates or resends an invitation. */
export const INVITATION_BUDGET = 'invitations';
