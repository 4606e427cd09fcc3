import type { Writable } from 'node:stream';
import type { WriteStream } from 'node:tty';
import { MultiBar, type SingleBar } from 'cli-progress';
import type { FileProgress, TotalProgress } from '../remote/sync.js';
import { formatBytes } from './output.js';

/**
 * Live bars while files move: one per file in flight and one for the total (bytes, rate, ETA), drawn by
 * cli-progress, on a terminal only. Off a terminal `createProgress` returns a display that draws nothing,
 * so logs and pipes stay clean.
 */
export interface ProgressDisplay {
  /** What sync reports as a file starts, moves on, ends or fails. */
  update(file: FileProgress, total: TotalProgress): void;
  stop(): void;
}

const NOTHING: ProgressDisplay = { update() {}, stop() {} };

export function createProgress(stream: Writable, enabled: boolean): ProgressDisplay {
  if (!enabled || !(stream as Partial<WriteStream>).isTTY) return NOTHING;
  return new TerminalProgress(stream as WriteStream);
}

interface Payload {
  name: string;
  started: number;
}

const BAR_WIDTH = 30;

/** One line: name, bar, percentage, bytes of bytes, rate, ETA. */
function line(params: { value: number; total: number }, payload: Payload): string {
  const elapsed = Math.max((Date.now() - payload.started) / 1000, 0.001);
  const rate = params.value / elapsed;
  const left = params.total > params.value && rate > 0 ? (params.total - params.value) / rate : 0;
  const fraction = params.total > 0 ? Math.min(params.value / params.total, 1) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const name = payload.name.length > 28 ? `…${payload.name.slice(-27)}` : payload.name.padEnd(28);
  return `${name} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(params.value)}/${formatBytes(params.total)} ${formatBytes(Math.round(rate))}/s ETA ${Math.ceil(left)}s`;
}

class TerminalProgress implements ProgressDisplay {
  private readonly bars: MultiBar;
  private readonly total: SingleBar;
  private readonly files = new Map<string, SingleBar>();
  private readonly started = new Map<string, number>();

  constructor(stream: WriteStream) {
    this.bars = new MultiBar({
      stream,
      format: (_options, params, payload: Payload) => line(params, payload),
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      forceRedraw: true,
      fps: 10,
    });
    this.total = this.bars.create(0, 0, { name: 'Total', started: Date.now() } satisfies Payload);
  }

  update(file: FileProgress, total: TotalProgress): void {
    this.total.setTotal(total.totalBytes);
    this.total.update(total.bytes);
    let bar = this.files.get(file.path);
    if (!bar && (file.state === 'started' || file.state === 'running')) {
      const started = Date.now();
      bar = this.bars.create(file.size, 0, { name: file.path, started } satisfies Payload);
      this.files.set(file.path, bar);
      this.started.set(file.path, started);
    }
    if (!bar) return;
    bar.update(file.bytes);
    if (file.state === 'done' || file.state === 'failed') {
      // The finished line stays above the live bars; its bar gives its place back, so a long run keeps one
      // bar per file in flight.
      const payload = { name: file.path, started: this.started.get(file.path) ?? Date.now() };
      const value = file.state === 'done' ? file.size : file.bytes;
      this.bars.log(
        `${line({ value, total: file.size }, payload)}${file.state === 'failed' ? ' FAILED' : ''}\n`,
      );
      this.bars.remove(bar);
      this.files.delete(file.path);
      this.started.delete(file.path);
    }
  }

  stop(): void {
    this.bars.update();
    this.bars.stop();
  }
}
