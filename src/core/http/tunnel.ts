import type { Duplex } from 'node:stream';
import type { LogType } from '../events.js';

/** The most bytes of a proxy's reply to CONNECT we are willing to read before giving up. */
const MAX_REPLY = 16 * 1024;

export interface TunnelReply {
  status: number;
  statusLine: string;
  headerText: string;
}

export type TunnelLog = (logType: LogType, message: string) => void;

/**
 * Opens an HTTP CONNECT tunnel on an established connection to a proxy: sends `CONNECT host:port`, reads
 * the proxy's reply headers and, on 200, returns the reply with the socket positioned at the first byte of
 * the tunnelled stream. On any other status the reply is returned and the caller decides what to say; the
 * socket should then be destroyed.
 */
export function httpConnect(
  socket: Duplex,
  target: { host: string; port: number },
  proxyAuthorization: string | undefined,
  log: TunnelLog,
  kind: 'Proxy' | 'Firewall',
  /** Extra "Name: Value" lines (FirewallData), CRLF or LF separated. */
  extraHeaders?: string,
): Promise<TunnelReply> {
  const authority = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxyAuthorization) lines.push(`Proxy-Authorization: ${proxyAuthorization}`);
  for (const line of (extraHeaders ?? '').split(/\r?\n/)) {
    // A header line, never a way to end the request early.
    if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/.test(line)) lines.push(line);
  }
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  log(`${kind}Request`, request.trimEnd());

  return new Promise<TunnelReply>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(
        Object.assign(new Error(`the ${kind.toLowerCase()} closed the connection during CONNECT`), {
          code: 'ECONNRESET',
        }),
      );
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_REPLY) {
          cleanup();
          reject(new Error(`the ${kind.toLowerCase()} sent an oversized reply to CONNECT`));
        }
        return;
      }
      cleanup();
      socket.pause();
      const headerText = buffered.subarray(0, end).toString('latin1');
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      const statusLine = headerText.split('\r\n', 1)[0] ?? '';
      const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine);
      log(`${kind}Response`, headerText);
      if (!match) {
        reject(
          new Error(`the ${kind.toLowerCase()} answered CONNECT with "${statusLine}", which is not HTTP`),
        );
        return;
      }
      resolve({ status: Number(match[1]), statusLine, headerText });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(request);
  });
}
