import { SSE_METADATA } from '@nestjs/common/constants.js';
import type { NestInterceptor } from '@nestjs/common';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer.js';

/**
 * An interceptor that can tell, from the request alone, that its `intercept()` would only
 * return `next.handle()` untouched.
 */
export interface PassThroughInterceptor extends NestInterceptor {
  passesThrough(request: unknown): boolean;
}

function isPassThrough(interceptor: NestInterceptor): interceptor is PassThroughInterceptor {
  return typeof (interceptor as Partial<PassThroughInterceptor>).passesThrough === 'function';
}

let installed = false;

/**
 * Nest runs every route that has an interceptor through its rxjs chain (two `defer`s,
 * `mergeAll`, `AsyncResource` scopes, then `lastValueFrom`), even when each interceptor
 * only returns `next.handle()`. For an HTTP route whose interceptors all say, for this
 * request, that they would pass it through, this calls the handler as Nest does for a
 * route without interceptors: guards have already run (Nest runs them before this), the
 * handler and its pipes run the same way, and its result or error reaches the response
 * and the exception filters as before. Any other request, and SSE routes, take Nest's
 * own path.
 */
export function skipPassThroughInterceptors(): void {
  if (installed) {
    return;
  }
  installed = true;
  const proto = InterceptorsConsumer.prototype;
  const intercept = proto.intercept;
  proto.intercept = function (
    this: InterceptorsConsumer,
    interceptors: NestInterceptor[],
    args: unknown[],
    instance: Parameters<InterceptorsConsumer['intercept']>[2],
    callback: (...args: unknown[]) => unknown,
    next: () => Promise<unknown>,
    type?: string,
  ): Promise<unknown> {
    if (
      type === 'http' &&
      interceptors?.length > 0 &&
      interceptors.every((interceptor) => isPassThrough(interceptor) && interceptor.passesThrough(args[0])) &&
      !Reflect.getMetadata(SSE_METADATA, callback)
    ) {
      return next();
    }
    return intercept.call(this, interceptors, args, instance, callback, next, type);
  } as InterceptorsConsumer['intercept'];
}
