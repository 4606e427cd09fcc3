import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

/**
 * A reverse proxy on loopback in front of one emulator host that flips one byte of the request or
 * response body of matching requests: how a corrupted transfer looks to the client (the emulator itself
 * never corrupts anything). Everything else passes through untouched.
 */
export interface TamperProxy {
  url: string;
  /** Corrupts the next matching exchange. */
  arm(rule: { path: RegExp; body: 'request' | 'response'; at: number }): void;
  /** How many exchanges were corrupted. */
  readonly corrupted: number;
  close(): Promise<void>;
}

export async function startTamperProxy(target: string): Promise<TamperProxy> {
  let rule: { path: RegExp; body: 'request' | 'response'; at: number } | undefined;
  let corrupted = 0;
  const flipper = (at: number) => {
    let seen = 0;
    return new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (at >= seen && at < seen + chunk.length) {
          const copy = Buffer.from(chunk);
          copy[at - seen] = copy[at - seen]! ^ 0xff;
          chunk = copy;
        }
        seen += chunk.length;
        done(null, chunk);
      },
    });
  };
  const server = createServer((req, res) => {
    const active = rule?.path.test(req.url ?? '') ? rule : undefined;
    if (active) {
      rule = undefined;
      corrupted++;
    }
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const body = active?.body === 'response' ? up.pipe(flipper(active.at)) : up;
        body.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    const body = active?.body === 'request' ? req.pipe(flipper(active.at)) : req;
    body.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm(r) {
      rule = r;
    },
    get corrupted() {
      return corrupted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
