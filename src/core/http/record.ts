import { CloudStorageError, ErrorCode } from '../errors.js';
import type { Redactor } from '../redact.js';

/**
 * The last exchange on a client, for the reference's read-only settings: SentHeaders, StatusCode,
 * StatusLine, TransferredHeaders, TransferredData, BytesTransferred, and (when TransferredRequest is ON)
 * RawRequest / RawResponse / TransferredRequest. Everything is redacted when read, so secrets learnt after
 * the request (a token registered later) are masked too.
 */
export class LastExchange {
  /** TransferredRequest=ON. */
  recordRequests = false;
  private requestHead = '';
  private requestBody = '';
  private statusCode = 0;
  private statusLine = '';
  private responseHeaders: Array<[string, string]> = [];
  private bodyChunks: Buffer[] = [];
  private bodyKept = 0;
  private bytesReceived = 0;

  constructor(
    private readonly redactor: Redactor,
    private readonly dataLimit: () => number,
  ) {}

  /** A request was sent: its request line and headers, and its body as text when it was in memory. */
  request(head: string, body: string): void {
    this.requestHead = head;
    this.requestBody = this.recordRequests ? body : '';
  }

  response(statusCode: number, statusLine: string, headers: Array<[string, string]>): void {
    this.statusCode = statusCode;
    this.statusLine = statusLine;
    this.responseHeaders = headers;
    this.bodyChunks = [];
    this.bodyKept = 0;
    this.bytesReceived = 0;
  }

  responseData(chunk: Uint8Array): void {
    this.bytesReceived += chunk.length;
    const room = this.dataLimit() - this.bodyKept;
    if (room <= 0) return;
    const kept = Buffer.from(chunk.subarray(0, room));
    this.bodyChunks.push(kept);
    this.bodyKept += kept.length;
  }

  get headers(): Array<[string, string]> {
    return this.responseHeaders;
  }

  sentHeaders(): string {
    return this.redactor.redact(this.requestHead);
  }

  status(): string {
    return this.statusCode === 0 ? '' : String(this.statusCode);
  }

  statusText(): string {
    return this.statusLine;
  }

  transferredHeaders(): string {
    return this.redactor.redact(this.responseHeaders.map(([n, v]) => `${n}: ${v}`).join('\r\n'));
  }

  transferredData(): string {
    return this.redactor.redact(Buffer.concat(this.bodyChunks).toString('utf8'));
  }

  bytesTransferred(): string {
    return String(this.bytesReceived);
  }

  /** TransferredRequest read back: the whole last request, or '' when recording is off. */
  transferredRequest(): string {
    if (!this.recordRequests || !this.requestHead) return '';
    return this.redactor.redact(`${this.requestHead}\r\n\r\n${this.requestBody}`);
  }

  rawRequest(): string {
    this.requireRecording('RawRequest');
    return this.transferredRequest();
  }

  rawResponse(): string {
    this.requireRecording('RawResponse');
    if (!this.statusLine) return '';
    return `${this.statusLine}\r\n${this.transferredHeaders()}\r\n\r\n${this.transferredData()}`;
  }

  private requireRecording(name: string): void {
    if (!this.recordRequests) {
      throw new CloudStorageError(
        ErrorCode.RawDataNotRecorded,
        `${name} is only recorded after config("TransferredRequest=ON"); set it before the request.`,
      );
    }
  }
}
