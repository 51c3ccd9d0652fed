import type { ArgumentsHost } from '@nestjs/common';
import type { Request, Response } from 'express';

/*
 * `context.switchToHttp().getRequest()` without what switchToHttp() does on every call: it
 * assigns three new closures to the context (getRequest, getResponse, getNext), and an invite
 * asked for them six times (guards, interceptor, parameter decorators; issue #7). The request
 * and response are the context's first two arguments, which is all those closures return.
 * For HTTP contexts only, as every caller is.
 */

export function httpRequestOf(context: ArgumentsHost): Request {
  return context.getArgByIndex<Request>(0);
}

export function httpResponseOf(context: ArgumentsHost): Response {
  return context.getArgByIndex<Response>(1);
}
