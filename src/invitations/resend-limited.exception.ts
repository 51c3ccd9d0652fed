import { HttpException, HttpStatus } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { InvitationErrorCode } from './invitation-error-codes.js';

/** 429 for a resend over the hourly limit; the exception filter sends `retryAfterSeconds` as `Retry-After`. */
export class ResendLimitedException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    limit: number,
  ) {
    super(
      errorBody(
        `This invitation was already resent ${limit} times in the last hour; retry in ${retryAfterSeconds} s`,
        InvitationErrorCode.INVITATION_RESEND_LIMITED,
        { retryAfterSeconds },
      ),
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
