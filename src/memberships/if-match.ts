import { BadRequestException } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { MembershipErrorCode } from './membership-error-codes.js';

/** The strong entity tag of a membership: its version, quoted (RFC 9110 §8.8.3). */
export const etagOf = (version: number): string => `"${version}"`;

const MAX_TAGS = 16;
const ENTITY_TAG = /^"([0-9]{1,9})"$/;

/**
 * `If-Match` → the versions it accepts; undefined when absent or `*` (the update then
 * proceeds unconditionally). A list (`"3", "4"`) matches any of its tags. Only quoted strong
 * entity tags are taken: a bare number, a weak `W/"3"` or anything else is refused (400).
 */
export function parseIfMatch(header: string | string[] | undefined): number[] | undefined {
  if (header === undefined) {
    return undefined;
  }
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '' || value === '*') {
    return undefined;
  }
  const parts = value.split(',');
  const versions = parts.map((part) => {
    const match = ENTITY_TAG.exec(part.trim());
    if (!match || parts.length > MAX_TAGS) {
      throw new BadRequestException(
        errorBody(
          'If-Match must be an entity tag from this API\'s ETag header, such as "3", or *',
          MembershipErrorCode.INVALID_IF_MATCH,
        ),
      );
    }
    return Number(match[1]);
  });
  return versions;
}
