import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `size` bytes from the CSPRNG, like `randomBytes(size)`, drawn from a buffer refilled 4 KiB
 * at a time (as Node does for `randomUUID()`): each synchronous `randomBytes` call cost
 * ~15 µs, and an invite makes two (its token and the sealing IV), ~3 % of its CPU (issue #7).
 * Every byte is handed out once, as a copy, and wiped from the buffer.
 */
export function randomBytesPooled(size: number): Buffer {
  if (size > POOL_BYTES / 8) {
    return randomBytes(size);
  }
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return bytes;
}
