import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from '../common/error-body.js';
import { RATE_LIMIT_BUDGET, type BudgetOptions } from './rate-limit.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * Per-caller and per-organization budgets (RATE_LIMIT_*), per minute. A route guard, so it
 * runs after the global auth guard and keys on the verified caller; only requests the caller
 * was authorized for count, and a request refused after all (401, 403, 429) gives back what
 * it took.
 */
export const RateLimited = (options: BudgetOptions = {}) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_BUDGET, options),
    UseGuards(RateLimitGuard),
    ApiResponse({ status: 429, description: 'Too many requests (see the Retry-After header)', type: ErrorBody }),
  );
