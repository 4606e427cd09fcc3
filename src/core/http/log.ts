import type { CoreEvents, LogType, TypedEmitter } from '../events.js';
import type { Redactor } from '../redact.js';

export const LogLevels = { None: 0, Info: 1, Verbose: 2, Debug: 3 } as const;

/** How much of a text body a Debug log line shows. */
export const BODY_LOG_LIMIT = 16 * 1024;

/**
 * Writes the `log` event at the verbosity of the LogLevel setting. Every message passes through the
 * client's redactor first; messages are built lazily so that an unused level costs nothing.
 */
export class HttpLogger {
  constructor(
    private readonly emitter: TypedEmitter<CoreEvents>,
    private readonly redactor: Redactor,
    private readonly level: () => number,
  ) {}

  enabled(level: 1 | 2 | 3): boolean {
    return this.level() >= level && this.emitter.listenerCount('log') > 0;
  }

  log(level: 1 | 2 | 3, logType: LogType, message: string | (() => string)): void {
    if (!this.enabled(level)) return;
    const text = typeof message === 'function' ? message() : message;
    this.emitter.emit('log', { logLevel: level, logType, message: this.redactor.redact(text) });
  }
}

const TEXT_TYPES =
  /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|x-www-form-urlencoded|javascript))/i;

/**
 * A body as a log line: text up to {@link BODY_LOG_LIMIT} characters, or a one-line description for binary
 * data (file payloads are never logged).
 */
export function describeBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  limit = BODY_LOG_LIMIT,
): string {
  if (bytes.length === 0) return '(empty body)';
  if (!looksLikeText(bytes, contentType)) return `[${bytes.length} bytes of binary data]`;
  const slice = bytes.subarray(0, limit);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(slice);
  return bytes.length > limit ? `${text}… [${bytes.length - limit} more bytes]` : text;
}

function looksLikeText(bytes: Uint8Array, contentType: string | undefined): boolean {
  if (contentType) {
    if (TEXT_TYPES.test(contentType)) return true;
    if (/^(application\/octet-stream|image\/|video\/|audio\/)/i.test(contentType)) return false;
  }
  const sample = bytes.subarray(0, 512);
  for (const b of sample) {
    if (b === 0 || (b < 9 && b !== 0) || (b > 13 && b < 32)) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      sample.length < bytes.length ? trimUtf8(sample) : sample,
    );
    return true;
  } catch {
    return false;
  }
}

/** Drops a multi-byte sequence cut at the end of a sample, so it is not mistaken for invalid UTF-8. */
function trimUtf8(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let i = 0; i < 4 && end > 0 && (bytes[end - 1]! & 0xc0) === 0x80; i++) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  return bytes.subarray(0, end);
}
