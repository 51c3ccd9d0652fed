import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { invalidParameter, locationOf } from './invalid-parameter.js';
import { SAFE_INTEGER_PATTERN } from './safe-integer.js';

/**
 * Parses a decimal integer id in -(2^53-1)..2^53-1 from its string: no sign other than '-', no
 * exponent, no decimals, no blanks, no leading zeros (the pattern the OpenAPI document states).
 */
export function parseId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !SAFE_INTEGER_PATTERN.test(value)) {
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
      throw invalidParameter(
        locationOf(metadata) ?? 'path',
        metadata.data ?? 'id',
        'must be a decimal integer between -9007199254740991 and 9007199254740991',
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
