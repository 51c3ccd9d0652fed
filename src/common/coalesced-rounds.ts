/**
 * Runs a worker's round now, or once more right after the round in flight: any number of
 * kicks during a round coalesce into one more round. A kick while `stopped()` starts nothing.
 */
export class CoalescedRounds {
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  kick(): void {
    if (this.stopped()) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.round()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.kick();
        }
      });
  }

  /** Resolves once the current round (if any) and the rounds it scheduled are done. */
  async idle(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }
}
