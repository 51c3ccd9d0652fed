import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { parseId } from '../common/parse-id.pipe.js';
import { MembershipRepository } from '../memberships/membership.repository.js';
import {
  RATE_LIMIT_BUDGET,
  RATE_LIMIT_STORE,
  RATE_LIMIT_WINDOW_MS,
  type BudgetOptions,
} from './rate-limit.constants.js';
import type { RateLimitStore } from './rate-limit.store.js';
import { tooManyRequests } from './too-many-requests.js';

/** Refusals that consume nothing of a budget. */
const REFUSED = new Set([401, 403, 429]);

/** What a request took from its budgets, for the refund when it is refused after all. */
export interface BudgetReservation {
  key: string;
  cost: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    budgetReservations?: BudgetReservation[];
  }
}

/** The organization a write aims at, as far as the request says before the handler runs. */
function organizationOf(req: Request): number | undefined {
  const body = req.body as { organizationId?: unknown } | undefined;
  return (
    parseId(req.query.organizationId) ??
    parseId(req.params.organizationId) ??
    parseId(body?.organizationId) ??
    req.auth?.organizationId
  );
}

/**
 * Per caller and per target organization, in fixed one-minute windows
 * (RATE_LIMIT_CALLER_PER_MINUTE, RATE_LIMIT_ORGANIZATION_PER_MINUTE). The organization's
 * budget is taken only when the caller is an active ADMIN of it: a stranger sending requests
 * "into" an organization cannot spend its admins' budget.
 *
 * A request refused after all (401, 403, 429, by a later guard, a pipe or the handler) gives
 * back what it took before the refusal is answered: the next request sees the budget whole
 * again. The refund hooks the answer (`res.json()`, which the exception filter answers
 * through), as the idempotency guard does, and only on a request that took something: an
 * interceptor would put Nest's rxjs chain on every request of the route (see
 * docs/decisions/0012-no-interceptor-on-the-write-path.md).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly memberships: MembershipRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limits = this.config.rateLimit;
    const req = context.switchToHttp().getRequest<Request>();
    if (!limits.enabled || !req.auth) {
      return true;
    }
    const options = this.reflector.get<BudgetOptions | undefined>(RATE_LIMIT_BUDGET, context.getHandler()) ?? {};
    const budget = options.budget ?? `${context.getClass().name}.${context.getHandler().name}`;
    const cost = options.cost?.(req) ?? 1;
    if (cost <= 0) {
      return true; // nothing to count: the request is malformed and will be refused
    }
    const reservations: BudgetReservation[] = [];
    req.budgetReservations = reservations;

    const userKey = `${budget}:user:${req.auth.userId}`;
    const user = await this.store.reserve(userKey, RATE_LIMIT_WINDOW_MS, limits.callerPerMinute, cost);
    if (!user.granted) {
      throw tooManyRequests(user.resetSeconds);
    }
    reservations.push({ key: userKey, cost });

    const organizationId = await this.administeredOrganization(req);
    if (organizationId !== undefined) {
      const orgKey = `${budget}:org:${organizationId}`;
      const org = await this.store.reserve(orgKey, RATE_LIMIT_WINDOW_MS, limits.organizationPerMinute, cost);
      if (!org.granted) {
        await this.store.refund(userKey, cost);
        reservations.length = 0;
        throw tooManyRequests(org.resetSeconds);
      }
      reservations.push({ key: orgKey, cost });
    }
    this.refundOnRefusal(context.switchToHttp().getResponse<Response>(), reservations);
    return true;
  }

  private refundOnRefusal(res: Response, reservations: BudgetReservation[]): void {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      res.json = json;
      if (!REFUSED.has(res.statusCode) || reservations.length === 0) {
        return json(body);
      }
      const taken = reservations.splice(0);
      Promise.all(taken.map((r) => this.store.refund(r.key, r.cost))).then(
        () => json(body),
        // the refusal is answered even when the store is out of reach; the window ends anyway
        () => json(body),
      );
      return res;
    };
  }

  /** The organization the request aims at, when the caller is an active ADMIN of it. */
  private async administeredOrganization(req: Request): Promise<number | undefined> {
    const userId = req.auth!.userId;
    const explicit = organizationOf(req);
    if (explicit !== undefined) {
      return (await this.memberships.isActiveAdmin(userId, explicit)) ? explicit : undefined;
    }
    const only = await this.memberships.adminOrganizations(userId, 2);
    return only.length === 1 ? only[0] : undefined;
  }
}
