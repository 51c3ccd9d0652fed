import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/** Set when shutdown begins, so readiness answers 503 while in-flight requests drain. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
