import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { errorBody } from '../common/error-body.js';
import { RateLimitErrorCode } from './rate-limit.constants.js';

/** 429 with `Retry-After` and the error body. */
export function tooManyRequests(res: Response | undefined, seconds: number, what = 'requests'): HttpException {
  const retryAfter = Math.max(1, seconds);
  res?.setHeader('Retry-After', String(retryAfter));
  return new HttpException(
    errorBody(`Too many ${what}; retry in ${retryAfter} s`, RateLimitErrorCode.RATE_LIMITED, {
      retryAfterSeconds: retryAfter,
    }),
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
