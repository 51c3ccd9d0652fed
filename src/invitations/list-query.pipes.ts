import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { CURSOR_PATTERN } from '../common/cursor-param.js';
import { invalidParameter, locationOf } from '../common/invalid-parameter.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const invalid = (metadata: ArgumentMetadata, fallback: string, message: string) =>
  invalidParameter(locationOf(metadata) ?? 'query', metadata.data ?? fallback, message);

/** `limit`: a decimal integer 1..100, default 20. */
@Injectable()
export class ParseLimitPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    if (value === undefined) {
      return DEFAULT_PAGE_SIZE;
    }
    const n = typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= MAX_PAGE_SIZE)) {
      throw invalid(metadata, 'limit', `must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    }
    return n;
  }
}

/** A `true`/`false` query flag, default false. */
@Injectable()
export class ParseFlagPipe implements PipeTransform<unknown, boolean> {
  transform(value: unknown, metadata: ArgumentMetadata): boolean {
    if (value === undefined || value === 'false') {
      return false;
    }
    if (value === 'true') {
      return true;
    }
    throw invalid(metadata, 'flag', 'must be true or false');
  }
}

/** `cursor`: a previous page's `nextCursor` (decoded by the service). */
@Injectable()
export class ParseCursorPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown, metadata: ArgumentMetadata): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || !CURSOR_PATTERN.test(value)) {
      throw invalid(metadata, 'cursor', 'must be the nextCursor of a previous page');
    }
    return value;
  }
}

/** `sendEmail`: `true`/`false`, default true (an email goes out unless the caller asks otherwise). */
@Injectable()
export class ParseSendEmailPipe implements PipeTransform<unknown, boolean> {
  transform(value: unknown, metadata: ArgumentMetadata): boolean {
    if (value === undefined || value === 'true') {
      return true;
    }
    if (value === 'false') {
      return false;
    }
    throw invalid(metadata, 'sendEmail', 'must be true or false');
  }
}
