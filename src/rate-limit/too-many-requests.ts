import { HttpException, HttpStatus } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { RateLimitErrorCode } from './rate-limit.constants.js';

/** 429 whose `retryAfterSeconds` the exception filter also sends as `Retry-After`. */
export function tooManyRequests(seconds: number, what = 'requests'): HttpException {
  const retryAfter = Math.max(1, seconds);
  return new HttpException(
    errorBody(`Too many ${what}; retry in ${retryAfter} s`, RateLimitErrorCode.RATE_LIMITED, {
      retryAfterSeconds: retryAfter,
    }),
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
