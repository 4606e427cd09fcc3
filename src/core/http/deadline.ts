import { TimeoutReason } from './errors.js';

/**
 * The `timeout` of one operation. By default an inactivity timeout: every byte sent or received pushes it
 * back ({@link touch}). With AbsoluteTimeout it bounds the whole operation and `touch` does nothing.
 *
 * While the caller is the slow side (a streamed response body it does not read), the server is not idle:
 * {@link excuseWhile} lets the owner say so, and the timer then waits another period instead of firing.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private excuse: (() => boolean) | undefined;
  private expired = false;

  constructor(
    readonly seconds: number,
    readonly absolute: boolean,
    private readonly onExpire: (reason: TimeoutReason) => void,
  ) {
    if (seconds > 0) {
      this.timer = setTimeout(() => this.fire(), seconds * 1000);
      this.timer.unref();
    }
  }

  get hasExpired(): boolean {
    return this.expired;
  }

  /** Records activity: restarts the inactivity period. */
  touch(): void {
    if (!this.absolute && this.timer) this.timer.refresh();
  }

  excuseWhile(excuse: () => boolean): void {
    this.excuse = excuse;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    if (!this.timer) return;
    if (!this.absolute && this.excuse?.()) {
      this.timer.refresh();
      return;
    }
    this.timer = undefined;
    this.expired = true;
    this.onExpire(new TimeoutReason(this.seconds, this.absolute));
  }
}
