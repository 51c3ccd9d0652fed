import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from '../common/error-body.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * Per-caller and per-organization limits (RATE_LIMIT_*). A route guard, so it runs after the
 * global auth guard and can key on the caller.
 */
export const RateLimited = () =>
  applyDecorators(
    UseGuards(RateLimitGuard),
    ApiResponse({ status: 429, description: 'Too many requests (see the Retry-After header)', type: ErrorBody }),
  );
