import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants.js';
import { InterceptorsConsumer } from '@nestjs/core/interceptors/interceptors-consumer.js';
import { lastValueFrom, map, type Observable } from 'rxjs';
import { skipPassThroughInterceptors, type PassThroughInterceptor } from './interceptor-bypass.js';

skipPassThroughInterceptors();

/** Passes a request through when it says so (as its intercept() does), else doubles the result. */
class Doubler implements PassThroughInterceptor {
  calls = 0;
  passesThrough(request: unknown): boolean {
    return (request as { pass: boolean }).pass;
  }
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.calls++;
    if (this.passesThrough(context.switchToHttp().getRequest())) {
      return next.handle();
    }
    return next.handle().pipe(map((value) => (value as number) * 2));
  }
}

async function run(
  interceptors: Doubler[],
  request: { pass: boolean },
  callback: (...args: unknown[]) => unknown = () => undefined,
  type = 'http',
): Promise<unknown> {
  const result = await new InterceptorsConsumer().intercept(
    interceptors,
    [request, {}, () => undefined],
    {},
    callback,
    () => Promise.resolve(21),
    type,
  );
  return typeof (result as Observable<unknown>)?.subscribe === 'function'
    ? lastValueFrom(result as Observable<unknown>)
    : result;
}

describe('skipPassThroughInterceptors', () => {
  it('calls the handler directly when every interceptor passes the request through', async () => {
    const a = new Doubler();
    const b = new Doubler();
    await expect(run([a, b], { pass: true })).resolves.toBe(21);
    expect(a.calls + b.calls).toBe(0);
  });

  it("runs Nest's chain when an interceptor has work to do", async () => {
    const a = new Doubler();
    await expect(run([a], { pass: false })).resolves.toBe(42);
    expect(a.calls).toBe(1);
  });

  it("runs Nest's chain for an interceptor that cannot tell, other context types and SSE routes", async () => {
    const plain = {
      calls: 0,
      intercept(_context: ExecutionContext, next: CallHandler) {
        this.calls++;
        return next.handle();
      },
    };
    const result = await new InterceptorsConsumer().intercept(
      [new Doubler(), plain],
      [{ pass: true }, {}, () => undefined],
      {},
      () => undefined,
      () => Promise.resolve(21),
      'http',
    );
    await expect(lastValueFrom(result as Observable<unknown>)).resolves.toBe(21);
    expect(plain.calls).toBe(1);

    const rpc = new Doubler();
    await expect(run([rpc], { pass: true }, () => undefined, 'rpc')).resolves.toBe(21);
    expect(rpc.calls).toBe(1);

    const sse = new Doubler();
    const handler = () => undefined;
    Reflect.defineMetadata(SSE_METADATA, true, handler);
    await expect(run([sse], { pass: true }, handler)).resolves.toBe(21);
    expect(sse.calls).toBe(1);
  });

  it('leaves a route without interceptors as it was', async () => {
    await expect(run([], { pass: false })).resolves.toBe(21);
  });
});
