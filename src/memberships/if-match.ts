import { invalidParameter } from '../common/invalid-parameter.js';

/** The strong entity tag of a membership: its version, quoted (RFC 9110 §8.8.3). */
export const etagOf = (version: number): string => `"${version}"`;

const MAX_TAGS = 16;
const TAG = '"[0-9]{1,9}"';

/**
 * What `If-Match` may hold (RFC 9110 §13.1.1): `*`, or a list of 1 to 16 quoted strong entity
 * tags of this API (`"3"`, `"3", "4"`). A bare number, a weak `W/"3"` or an empty value are
 * refused. The OpenAPI document states this same pattern.
 */
export const IF_MATCH_PATTERN_SOURCE = `^(?:\\*|${TAG}(?:[ \\t]*,[ \\t]*${TAG}){0,${MAX_TAGS - 1}})$`;
const IF_MATCH = new RegExp(IF_MATCH_PATTERN_SOURCE);
const TAGS = /"([0-9]{1,9})"/g;

/**
 * `If-Match` → the versions it accepts; undefined when absent or `*` (the update then
 * proceeds unconditionally). A list matches any of its tags; weak tags never match a strong
 * comparison, so `W/"3"` is refused like any other malformed value.
 */
export function parseIfMatch(header: string | string[] | undefined): number[] | undefined {
  if (header === undefined) {
    return undefined;
  }
  const value = (Array.isArray(header) ? header.join(', ') : header).trim();
  if (!IF_MATCH.test(value)) {
    throw invalidParameter(
      'header',
      'If-Match',
      'must be * or entity tags from the ETag header of this API, such as "3"',
    );
  }
  if (value === '*') {
    return undefined;
  }
  return Array.from(value.matchAll(TAGS), (match) => Number(match[1]));
}
