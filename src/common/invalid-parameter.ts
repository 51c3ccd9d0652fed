import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';

/** Where a parameter sits, named as OpenAPI's `in` names it. */
export type ParameterLocation = 'path' | 'query' | 'header';

/**
 * The location prefix of a Nest argument: `path.`, `query.`, `header.`; none for the body, whose
 * fields keep their plain paths (`email`, `permissions.read.0`).
 */
export function locationOf(metadata: Pick<ArgumentMetadata, 'type'>): ParameterLocation | undefined {
  switch (metadata.type) {
    case 'param':
      return 'path';
    case 'query':
      return 'query';
    case 'body':
    case 'custom':
      return undefined;
  }
}

/**
 * A malformed path, query or header parameter: the same answer as a malformed body field
 * (400 VALIDATION_FAILED), whatever the location, with `details[].path` naming it as
 * `path.userId`, `query.organizationId` or `header.If-Match`.
 */
export function invalidParameter(location: ParameterLocation, name: string, message: string): BadRequestException {
  const path = `${location}.${name}`;
  return new BadRequestException(
    errorBody(`Validation failed: ${path} ${message}`, CommonErrorCode.VALIDATION_FAILED, {
      details: [{ path, message }],
    }),
  );
}
