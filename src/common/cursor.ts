import { BadRequestException } from '@nestjs/common';
import { CommonErrorCode } from './error-codes.js';
import { errorBody } from './error-body.js';

/**
 * Keyset pagination: the cursor is the last row's id, opaque to clients (base64url of
 * `v1:<id>`), so a deep page costs what the first does (no OFFSET scans).
 */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') {
    return undefined;
  }
  const match = /^v1:(-?[0-9]{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new BadRequestException(
      errorBody('The cursor is not valid', CommonErrorCode.VALIDATION_FAILED, {
        details: [{ path: 'query.cursor', message: 'is not the nextCursor of a previous page' }],
      }),
    );
  }
  return id;
}

/** Fetch `limit + 1` rows; this trims them and says where the next page starts. */
export function pageOf<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return {
    items,
    nextCursor: rows.length > limit ? encodeCursor(Number(items[items.length - 1].id)) : null,
  };
}
