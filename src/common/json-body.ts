import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';

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

/** Iterative, so a hostile body cannot overflow the stack here either. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') {
      continue;
    }
    const level = depth + 1;
    if (level > max) {
      max = level;
      if (max > MAX_JSON_DEPTH) {
        return max;
      }
    }
    for (const child of Object.values(node)) {
      stack.push([child, level]);
    }
  }
  return max;
}

/**
 * JSON bodies only (CONTRACT §4): any other content type on a request with a body → 415,
 * no urlencoded parser, 16 KiB → 413, too deep → 400.
 */
export function jsonBodyMiddlewares(): RequestHandler[] {
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
  const parse = express.json({ limit: BODY_LIMIT, strict: true, type: 'application/json' });
  const boundDepth: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    if (jsonDepth(req.body) > MAX_JSON_DEPTH) {
      next(
        new BadRequestException(
          errorBody(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`, CommonErrorCode.BODY_TOO_DEEP),
        ),
      );
      return;
    }
    next();
  };
  return [requireJson, parse, boundDepth];
}
