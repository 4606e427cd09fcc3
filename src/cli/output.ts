import type { Writable } from 'node:stream';

/**
 * What the command tells the user besides its data: plain lines on stderr, or with `--json` one JSON object
 * per line (`{"time","level","msg",…fields}`), so a script can follow a copy without parsing prose. Data
 * (listings, file contents, hashes) goes to stdout either way.
 */
export class Output {
  constructor(
    readonly stdout: Writable,
    readonly stderr: Writable,
    private readonly json: boolean,
    private readonly verbose: boolean,
  ) {}

  /** A line of data on stdout. */
  data(line: string): void {
    this.stdout.write(`${line}\n`);
  }

  /** What was done to one item (a copy, a deletion): shown with --verbose or --json. */
  event(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.jsonLine('info', msg, fields);
    else if (this.verbose) this.stderr.write(`${describe(msg, fields)}\n`);
  }

  /** A summary or a notice the user should always see. */
  notice(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.jsonLine('notice', msg, fields);
    else this.stderr.write(`${msg}\n`);
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.jsonLine('error', msg, fields);
    else this.stderr.write(`cloudstorage: ${msg}\n`);
  }

  private jsonLine(level: string, msg: string, fields: Record<string, unknown>): void {
    this.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  }
}

function describe(msg: string, fields: Record<string, unknown>): string {
  const path = typeof fields.path === 'string' ? `${fields.path}: ` : '';
  return `${path}${msg}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}
