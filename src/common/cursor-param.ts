import { applyDecorators } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';

/**
 * What a page cursor looks like: the base64url `nextCursor` of a previous page, at most 64
 * characters. A string of this shape that this service did not issue is still refused (400):
 * cursors are opaque, to be copied from `nextCursor`, never made up.
 */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const CURSOR_DESCRIPTION = "The previous page's `nextCursor` (opaque: copy it, never make one up)";

/** A cursor query field of a DTO. */
export const IsCursor = () =>
  applyDecorators(IsString(), Matches(CURSOR_PATTERN, { message: 'cursor must be the nextCursor of a previous page' }));
