import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestIdOf } from './request-context.js';

/** The request id of the current request (for the audit trail). */
export const RequestId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  requestIdOf(ctx.switchToHttp().getRequest()),
);
