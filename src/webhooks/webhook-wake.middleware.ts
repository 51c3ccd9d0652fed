import type { NextFunction, Request, Response } from 'express';
import type { WebhookDeliveryWorker } from './webhook-delivery.worker.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Wakes the delivery worker after every answered request that may have changed something
 * (not a read, and not refused: below 400), once it is answered and so its transaction
 * committed: deliveries then leave within milliseconds rather than at the next poll. Without
 * an enabled endpoint a wake-up does nothing (no query on the write path); it never affects
 * the response.
 *
 * An Express middleware and not a global Nest interceptor: any interceptor puts Nest's rxjs
 * chain on every request of every route (docs/decisions/0012-no-interceptor-on-the-write-path.md).
 */
export function webhookWakeMiddleware(worker: WebhookDeliveryWorker) {
  // one listener function for every response (no closure per request)
  function wakeAfterChange(this: Response): void {
    if (this.statusCode < 400) {
      worker.wake();
    }
  }
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!READS.has(req.method)) {
      res.once('finish', wakeAfterChange);
    }
    next();
  };
}
