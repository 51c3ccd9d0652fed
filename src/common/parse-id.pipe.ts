import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';

// Decimal integers only: no sign other than '-', no exponent, no decimals, no blanks.
const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]{0,15})$/;

/** Parses a decimal integer id in -(2^53-1)..2^53-1 from its string, or fails with 400. */
export function parseId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DECIMAL_INTEGER.test(value)) {
    return undefined;
  }
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Strict path/query id pipe. Nest's ParseIntPipe accepts `1e3`, `+5`, `5.0` and rounds
 * 9007199254740993; this one does not.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    const id = parseId(value);
    if (id === undefined) {
      const name = metadata.data ?? 'id';
      throw new BadRequestException(
        errorBody(
          `${name} must be a decimal integer between -9007199254740991 and 9007199254740991`,
          CommonErrorCode.INVALID_PATH_PARAMETER,
          {
            details: [{ path: name, message: 'must be a decimal integer in the safe integer range' }],
          },
        ),
      );
    }
    return id;
  }
}

/** The same for an optional query parameter: absent stays undefined. */
@Injectable()
export class ParseOptionalIdPipe implements PipeTransform<unknown, number | undefined> {
  private readonly strict = new ParseIdPipe();

  transform(value: unknown, metadata: ArgumentMetadata): number | undefined {
    return value === undefined ? undefined : this.strict.transform(value, metadata);
  }
}
