import type { CoreEvents, Direction, TypedEmitter } from '../events.js';
import type { ProgressReporter } from './types.js';

export interface ProgressTrackerOptions {
  direction: Direction;
  /** Total payload size including `offset`; undefined or negative when unknown. */
  total?: number;
  /** Bytes transferred before this transfer started (a resumed upload or download). */
  offset?: number;
  /** ProgressStep: fire each time PercentDone reaches the next multiple of this; 0 = on every chunk. */
  step: number;
  /** ProgressAbsolute: report `offset` as already transferred. */
  absolute: boolean;
}

/** Whole percent of `done` in `total`, or -1 when the total is unknown. */
export function percentOf(done: number, total: number): number {
  if (total < 0) return -1;
  if (total === 0) return 100;
  return Math.min(100, Math.floor((done * 100) / total));
}

/**
 * Fires the `progress` event for one payload transfer, with the reference semantics: once at the start,
 * each time PercentDone reaches the next multiple of ProgressStep (on every chunk when the step is 0 or the
 * total is unknown), and once at the end.
 *
 * A transfer made of several requests (a download resumed after a reset, an upload in parts) shares one
 * tracker: the owner calls {@link start} and {@link finish}, each request only {@link advance}s it.
 */
export class ProgressTracker implements ProgressReporter {
  readonly direction: Direction;
  private readonly base: number;
  private readonly offset: number;
  private readonly absolute: boolean;
  private total: number;
  private readonly step: number;
  private done = 0;
  private started = false;
  private finished = false;
  private lastPercent = -1;
  private lastWasChunk = false;
  private lastBytes = -1;

  constructor(
    private readonly emitter: TypedEmitter<CoreEvents>,
    options: ProgressTrackerOptions,
  ) {
    this.direction = options.direction;
    const offset = Math.max(0, options.offset ?? 0);
    this.offset = offset;
    this.absolute = options.absolute;
    const known = options.total !== undefined && options.total >= 0;
    this.base = options.absolute ? offset : 0;
    this.total = known ? (options.absolute ? options.total! : Math.max(0, options.total! - offset)) : -1;
    this.step = Math.max(0, options.step);
  }

  /** Bytes reported so far (including the offset when absolute). */
  get bytesTransferred(): number {
    return this.base + this.done;
  }

  get totalBytes(): number {
    return this.total;
  }

  get percentDone(): number {
    return percentOf(this.bytesTransferred, this.total);
  }

  /** Sets the total (including the offset) when it was unknown; ignored once known. */
  learnTotal(total: number): void {
    if (this.total >= 0 || total < 0) return;
    this.total = this.absolute ? total : Math.max(0, total - this.offset);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.fire(false);
  }

  advance(bytes: number): void {
    if (bytes <= 0 || this.finished) return;
    if (!this.started) this.start();
    this.done += bytes;
    const percent = this.percentDone;
    if (
      percent < 0 ||
      this.step === 0 ||
      Math.floor(percent / this.step) > Math.floor(this.lastPercent / this.step)
    ) {
      this.fire(true);
    }
  }

  /** Fires the closing event, unless the last chunk event already reported the final count. */
  finish(): void {
    if (this.finished) return;
    if (!this.started) this.start();
    this.finished = true;
    if (this.lastWasChunk && this.lastBytes === this.bytesTransferred) return;
    this.fire(false);
  }

  private fire(chunk: boolean): void {
    const percent = this.percentDone;
    this.lastPercent = Math.max(percent, 0);
    this.lastWasChunk = chunk;
    this.lastBytes = this.bytesTransferred;
    this.emitter.emit('progress', {
      direction: this.direction,
      bytesTransferred: this.bytesTransferred,
      totalBytes: this.total,
      percentDone: percent,
    });
  }
}
