import {
  Catch,
  HttpException,
  HttpStatus,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import type { Express, Request, Response } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';
import type { AllExceptionsFilter } from './all-exceptions.filter.js';
import { errorBody } from './error-body.js';
import { CommonErrorCode } from './error-codes.js';

interface KnownPath {
  matches: MatchFunction<object>;
  methods: Set<string>;
}

/**
 * A known path asked with another method answers 405 with `Allow` (RFC 9110 §15.5.6), not the
 * 404 of an unknown path. It looks only at requests no route took (Nest's not-found answer), so
 * routed requests pay nothing; the paths and their methods are read once from the router, after
 * every route is in place.
 */
@Catch(NotFoundException)
class MethodNotAllowedFilter implements ExceptionFilter {
  private known?: KnownPath[];

  constructor(
    private readonly app: INestApplication,
    private readonly errors: AllExceptionsFilter,
  ) {}

  catch(exception: NotFoundException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    // a route that answered 404 itself (an unknown id) was asked with one of its own methods;
    // only a known path asked with a method it does not have is a 405
    const allowed = this.allowedMethods(req.path);
    if (allowed.length === 0 || allowed.includes(req.method)) {
      this.errors.respond(exception, req, res);
      return;
    }
    res.setHeader('Allow', allowed.join(', '));
    this.errors.respond(
      new HttpException(
        errorBody(
          `${req.method} is not allowed on this path; use ${allowed.join(', ')}`,
          CommonErrorCode.METHOD_NOT_ALLOWED,
        ),
        HttpStatus.METHOD_NOT_ALLOWED,
      ),
      req,
      res,
    );
  }

  private allowedMethods(path: string): string[] {
    this.known ??= this.readRoutes();
    const methods = new Set<string>();
    for (const known of this.known) {
      if (known.matches(path)) {
        known.methods.forEach((m) => methods.add(m));
      }
    }
    if (methods.has('GET')) {
      methods.add('HEAD');
    }
    return [...methods].sort();
  }

  private readRoutes(): KnownPath[] {
    const byPath = new Map<string, Set<string>>();
    const router = (this.app.getHttpAdapter().getInstance() as Express).router as unknown as {
      stack: { route?: { path: unknown; methods: Record<string, boolean> } }[];
    };
    for (const layer of router.stack) {
      // a wildcard route is middleware bound to every path and method (the request logger's),
      // not a resource of the API
      if (layer.route && typeof layer.route.path === 'string' && !layer.route.path.includes('*')) {
        const methods = byPath.get(layer.route.path) ?? new Set<string>();
        Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .forEach((m) => methods.add(m.toUpperCase()));
        byPath.set(layer.route.path, methods);
      }
    }
    return [...byPath].map(([path, methods]) => ({ matches: match(path, { decode: false }), methods }));
  }
}

/** Registers the 405 answer; `errors` writes the error body as for any other error. */
export function answerMethodNotAllowed(app: INestApplication, errors: AllExceptionsFilter): void {
  app.useGlobalFilters(new MethodNotAllowedFilter(app, errors));
}
