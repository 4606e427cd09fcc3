import { MultiBar, type SingleBar } from 'cli-progress';
import { formatBytes } from './output.js';

/**
 * Live bars while files move: one per file in flight and one for the total (bytes, rate, ETA), drawn by
 * cli-progress on the terminal only. Off a terminal `createProgress` returns a display that draws nothing,
 * so logs and pipes stay clean.
 */
export interface ProgressDisplay {
  /** A file starts; returns the function its byte counts go to, and the one that ends its bar. */
  start(name: string, size: number | undefined): { update(bytes: number): void; done(): void };
  /** More bytes are expected in total (files found as the walk goes). */
  addTotal(bytes: number): void;
  stop(): void;
}

const NOTHING: ProgressDisplay = {
  start: () => ({ update() {}, done() {} }),
  addTotal() {},
  stop() {},
};

export function createProgress(stream: NodeJS.WriteStream, enabled: boolean): ProgressDisplay {
  if (!enabled || !stream.isTTY) return NOTHING;
  return new TerminalProgress(stream);
}

interface Payload {
  name: string;
  started: number;
}

class TerminalProgress implements ProgressDisplay {
  private readonly bars: MultiBar;
  private readonly total: SingleBar;
  private totalBytes = 0;
  private doneBytes = 0;
  private readonly started = Date.now();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new MultiBar(
      {
        stream,
        format: (options, params, payload: Payload) => {
          const elapsed = Math.max((Date.now() - payload.started) / 1000, 0.001);
          const rate = params.value / elapsed;
          const left = params.total > params.value && rate > 0 ? (params.total - params.value) / rate : 0;
          const width = options.barsize ?? 30;
          const filled = params.total > 0 ? Math.round((params.value / params.total) * width) : width;
          const bar = '█'.repeat(Math.min(filled, width)) + '░'.repeat(Math.max(width - filled, 0));
          const pct = params.total > 0 ? Math.floor((params.value / params.total) * 100) : 100;
          return `${payload.name.padEnd(24).slice(0, 24)} ${bar} ${String(pct).padStart(3)}% ${formatBytes(params.value)}/${formatBytes(params.total)} ${formatBytes(rate)}/s ETA ${Math.ceil(left)}s`;
        },
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        forceRedraw: true,
        fps: 10,
      },
      undefined,
    );
    this.total = this.bars.create(0, 0, { name: 'Total', started: this.started } satisfies Payload);
  }

  start(name: string, size: number | undefined) {
    let last = 0;
    const bar = this.bars.create(size ?? 0, 0, { name, started: Date.now() } satisfies Payload);
    return {
      update: (bytes: number) => {
        if (size === undefined && bytes > bar.getTotal()) bar.setTotal(bytes);
        bar.update(bytes);
        this.doneBytes += bytes - last;
        last = bytes;
        this.total.update(this.doneBytes);
      },
      done: () => {
        bar.setTotal(Math.max(bar.getTotal(), last));
        bar.update(bar.getTotal());
        // Drawn once at 100 %, then the line is given back so a long run keeps one bar per file in flight.
        this.bars.update();
        this.bars.remove(bar);
      },
    };
  }

  addTotal(bytes: number): void {
    this.totalBytes += bytes;
    this.total.setTotal(this.totalBytes);
  }

  stop(): void {
    this.total.setTotal(Math.max(this.totalBytes, this.doneBytes));
    this.total.update(this.doneBytes);
    this.bars.stop();
  }
}
