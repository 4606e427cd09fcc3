import { finished as eos, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CloudStorageError, ErrorCode } from '../errors.js';
import type { HttpClient } from './client.js';
import { classifyTransportError, HttpErrorCode, TimeoutReason } from './errors.js';
import type { HttpRequest, HttpResponse, ProgressReporter } from './types.js';

export interface DownloadOptions {
  /** Start at this byte (resuming an earlier download): the first request already asks for `bytes=offset-`. */
  offset?: number;
  /** How many times a body broken mid-way is resumed; default the MaxRetries setting. */
  maxResumes?: number;
  /** End the sink (and wait until it has flushed) when the download is complete. Default true. */
  end?: boolean;
  /** Called with the first response's headers before any of its body reaches the sink. */
  onResponse?: (headers: Record<string, string>) => void;
}

export interface DownloadResult {
  /** Bytes written to the sink by this call. */
  bytesWritten: number;
  /** The status of the first response (200, or 206 when `offset` was given). */
  status: number;
  /** The headers of the first response. */
  headers: Record<string, string>;
  /** How many times the body was resumed after a broken connection. */
  resumes: number;
}

/**
 * Streams a response body into a Writable. When the connection breaks mid-body (reset, closed, stalled
 * past the timeout), the rest is asked for with `Range: bytes=N-` (and `If-Range` with the first
 * response's ETag, so a file that changed in between is not stitched together), and the download goes on
 * where it stopped. A server that ignores the Range header fails the download with a clear error instead of
 * corrupting the data.
 *
 * Memory use is bounded by the streams' buffers whatever the size of the body. This is the building block
 * of the providers' resumable downloads.
 */
export async function downloadTo(
  client: HttpClient,
  request: HttpRequest,
  sink: Writable,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const start = options.offset ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new CloudStorageError(
      ErrorCode.InvalidArgument,
      `offset must be a whole number of bytes; got ${start}.`,
    );
  }
  const maxResumes = options.maxResumes ?? client.maxRetries;
  let tracker: ProgressReporter | undefined = request.progress?.tracker;
  const ownTracker = !!request.progress && !tracker;
  if (request.progress && !tracker) {
    tracker = client.createProgress({ ...request.progress, direction: 1, offset: start });
  }

  let sinkError: Error | undefined;
  const onSinkError = (err: Error) => {
    sinkError = err;
  };
  sink.on('error', onSinkError);

  let written = 0;
  let resumes = 0;
  let first: HttpResponse | undefined;
  let etag: string | undefined;
  try {
    for (;;) {
      const position = start + written;
      const headers: Record<string, string> = { ...request.headers };
      if (position > 0) {
        headers.Range = `bytes=${position}-`;
        if (etag) headers['If-Range'] = etag;
      }
      const response = await client.request({
        ...request,
        headers,
        stream: true,
        ...(tracker
          ? { progress: { ...request.progress, direction: 1 as const, offset: start, tracker } }
          : {}),
      });
      if (position > 0) checkRange(response, position, client);
      if (!first) {
        first = response;
        const tag = response.headers.etag;
        if (tag && !tag.startsWith('W/')) etag = tag;
        try {
          options.onResponse?.(response.headers);
        } catch (err) {
          response.body.destroy();
          throw err;
        }
      }
      try {
        await pour(
          response.body,
          sink,
          () => sinkError,
          (bytes) => {
            written += bytes;
          },
        );
        break;
      } catch (err) {
        response.body.destroy();
        if (err instanceof SinkError || !isResumable(err) || resumes >= maxResumes) throw unwrap(err);
        resumes++;
      }
    }
    if (ownTracker) tracker!.finish();
    if (options.end !== false) {
      sink.end();
      await finished(sink);
    }
    if (sinkError) throw new SinkError(sinkError);
    return { bytesWritten: written, status: first!.status, headers: first!.headers, resumes };
  } catch (err) {
    throw unwrap(err);
  } finally {
    sink.off('error', onSinkError);
  }
}

/** A failure of the destination stream, kept apart from failures of the connection. */
class SinkError extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function unwrap(err: unknown): unknown {
  if (err instanceof SinkError) {
    return new CloudStorageError(
      ErrorCode.StreamError,
      `Writing the download to its destination failed: ${err.original.message}`,
      { cause: err.original },
    );
  }
  return err;
}

/** A broken connection or a stalled server: worth asking for the rest. An interrupt or an HTTP error is not. */
function isResumable(err: unknown): boolean {
  if (!(err instanceof CloudStorageError)) return classifyTransportError(err) === 'dropped';
  if (err.code === ErrorCode.Interrupted) return false;
  if (err.cause instanceof TimeoutReason) return true;
  return err.httpStatus === undefined && classifyTransportError(err) === 'dropped';
}

function checkRange(response: HttpResponse, position: number, client: HttpClient): void {
  const range = /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers['content-range'] ?? '');
  if (response.status === 206 && range && Number(range[1]) === position) return;
  response.body.destroy();
  const what =
    response.status === 206
      ? `answered with the range "${response.headers['content-range'] ?? '(none)'}"`
      : `answered ${response.status} with the whole body (it ignored the Range header, or the file changed since the download began)`;
  throw new CloudStorageError(
    HttpErrorCode.RangeNotSupported,
    `Cannot resume the download at byte ${position}: the server ${what}. Download the file again from the start.`,
    { httpStatus: response.status, redactor: client.redactor },
  );
}

/**
 * Writes a body into the sink chunk by chunk as it arrives, pausing the body while the sink is full, until
 * the body ends. (A `for await` over the body would read it in paused mode, where each read joins every
 * buffered chunk into a new buffer: a copy of each byte, and large short-lived allocations.) The sink is
 * neither ended nor destroyed here, so that a broken body can be resumed into it.
 */
function pour(
  body: Readable,
  sink: Writable,
  failed: () => Error | undefined,
  onWritten: (bytes: number) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      body.off('data', onData);
      stopWatching();
      sink.off('drain', onDrain);
      sink.off('error', onSinkError);
      sink.off('close', onSinkClose);
    };
    const fail = (err: Error) => {
      cleanup();
      body.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      const early = failed() ?? (sink.destroyed ? new Error('the destination stream was closed') : undefined);
      if (early) {
        fail(new SinkError(early));
        return;
      }
      const more = sink.write(chunk);
      onWritten(chunk.length);
      if (!more) body.pause();
    };
    const onDrain = () => body.resume();
    const onSinkError = (err: Error) => fail(new SinkError(err));
    const onSinkClose = () => fail(new SinkError(failed() ?? new Error('the destination stream was closed')));
    // The body's end, its error, or its close before the end (ERR_STREAM_PREMATURE_CLOSE).
    const stopWatching = eos(body, { writable: false }, (err) => {
      if (err) fail(err);
      else {
        cleanup();
        resolve();
      }
    });
    body.on('data', onData);
    sink.on('drain', onDrain);
    sink.once('error', onSinkError);
    sink.once('close', onSinkClose);
  });
}
