import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';
import { scanJson } from './json-scan.js';

type RawRequest = Request & { rawJson?: Buffer };

export const BODY_LIMIT = '16kb';
/** Deeper bodies never reach class-transformer, which overflows its stack near 3000 levels. */
export const MAX_JSON_DEPTH = 32;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json';
}

/**
 * JSON bodies only: any other content type on a request with a body → 415,
 * no urlencoded parser, 16 KiB → 413, too deep or a repeated key → 400.
 */
/** A route whose bodies may be larger than BODY_LIMIT: its path and its own limit in bytes. */
export interface LargeBodyRoute {
  path: RegExp;
  limit: number;
}

export function jsonBodyMiddlewares(largeBodies: readonly LargeBodyRoute[] = []): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (hasBody(req) && !isJson(req)) {
      next(
        new UnsupportedMediaTypeException(
          errorBody('Request bodies must be sent as application/json', CommonErrorCode.UNSUPPORTED_MEDIA_TYPE),
        ),
      );
      return;
    }
    next();
  };
  const parserWith = (limit: string | number) =>
    express.json({
      limit,
      strict: true,
      type: 'application/json',
      // keep the text for the scan below, which needs what JSON.parse throws away
      verify: (req, _res, buf) => {
        (req as RawRequest).rawJson = buf;
      },
    });
  const parseDefault = parserWith(BODY_LIMIT);
  const parsers = largeBodies.map((route) => ({ path: route.path, parse: parserWith(route.limit) }));
  const parse: RequestHandler = (req, res, next) =>
    (parsers.find((p) => p.path.test(req.path))?.parse ?? parseDefault)(req, res, next);
  const scan: RequestHandler = (req: RawRequest, _res: Response, next: NextFunction) => {
    const raw = req.rawJson;
    req.rawJson = undefined;
    if (raw === undefined) {
      next();
      return;
    }
    const { depth, duplicateKey, reservedKey } = scanJson(raw.toString('utf8'), MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) {
      next(
        new BadRequestException(
          errorBody(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`, CommonErrorCode.BODY_TOO_DEEP),
        ),
      );
      return;
    }
    if (duplicateKey !== undefined) {
      next(
        new BadRequestException(
          errorBody(`The request body repeats the key ${duplicateKey}`, CommonErrorCode.DUPLICATE_KEY, {
            details: [{ path: duplicateKey, message: 'appears more than once' }],
          }),
        ),
      );
      return;
    }
    if (reservedKey !== undefined) {
      next(
        new BadRequestException(
          errorBody(`Validation failed: property ${reservedKey} should not exist`, CommonErrorCode.VALIDATION_FAILED, {
            details: [{ path: reservedKey, message: `property ${reservedKey.split('.').pop()} should not exist` }],
          }),
        ),
      );
      return;
    }
    next();
  };
  return [requireJson, parse, scan];
}
