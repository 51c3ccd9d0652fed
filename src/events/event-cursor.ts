import { BadRequestException } from '@nestjs/common';
import { errorBody } from '../common/error-body.js';
import { CommonErrorCode } from '../common/error-codes.js';

/**
 * A position in the events feed: after the event (txId, id). Feed order is by writing
 * transaction, then id (see EventsService). Opaque to clients: base64url of `e1:<txId>:<id>`.
 */
export interface FeedPosition {
  txId: bigint;
  id: bigint;
}

export const FEED_START: FeedPosition = { txId: 0n, id: 0n };

export function encodeFeedCursor(position: FeedPosition): string {
  return Buffer.from(`e1:${position.txId}:${position.id}`).toString('base64url');
}

export function decodeFeedCursor(cursor: string | undefined): FeedPosition {
  if (cursor === undefined || cursor === '') {
    return FEED_START;
  }
  const match = /^e1:([0-9]{1,19}):([0-9]{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const position = match ? { txId: BigInt(match[1]), id: BigInt(match[2]) } : undefined;
  if (!position || position.txId > 2n ** 63n - 1n || position.id > 2n ** 63n - 1n) {
    throw new BadRequestException(
      errorBody('The cursor is not valid', CommonErrorCode.VALIDATION_FAILED, {
        details: [{ path: 'after', message: 'must be a nextCursor returned by this feed' }],
      }),
    );
  }
  return position;
}

export function laterOf(a: FeedPosition, b: FeedPosition): FeedPosition {
  return a.txId > b.txId || (a.txId === b.txId && a.id >= b.id) ? a : b;
}
