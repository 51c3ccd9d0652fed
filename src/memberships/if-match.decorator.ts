import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiPreconditionFailedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorBody } from '../common/error-body.js';
import { IF_MATCH_PATTERN_SOURCE, parseIfMatch } from './if-match.js';

/** The versions `If-Match` accepts, or undefined (absent or `*`); 400 when malformed. */
export const IfMatch = createParamDecorator((_data: unknown, ctx: ExecutionContext): number[] | undefined =>
  parseIfMatch(ctx.switchToHttp().getRequest<Request>().headers['if-match']),
);

/** Documents optimistic concurrency on a route that changes one membership. */
export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The ETag of the membership as you last read it (e.g. `"3"`). When it is no longer current, ' +
        'nothing changes and the answer is 412. Without it, the change applies to whatever is current. ' +
        '`*` or quoted entity tags only: a bare number or a weak tag (`W/"1"`) is 400.',
      schema: { type: 'string', pattern: IF_MATCH_PATTERN_SOURCE, example: '"1"' },
    }),
    ApiPreconditionFailedResponse({
      description: 'If-Match names a version that is no longer current (PRECONDITION_FAILED)',
      type: ErrorBody,
    }),
  );

/** The ETag response header as OpenAPI documents it. */
export const ETAG_HEADER_DOC = {
  ETag: {
    description: 'The version of the membership, quoted: send it back in If-Match to change it',
    schema: { type: 'string', example: '"2"' },
  },
};
