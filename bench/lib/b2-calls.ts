import type { B2Emulator } from '#lib/emulator/b2/index.js';
import { serveUntilStdinEnds } from './emulator-process.js';

/** What the B2 benchmarks' emulator process publishes: its API root, the master key and one bucket. */
export interface B2Endpoints {
  api: string;
  keyId: string;
  key: string;
  bucketId: string;
  bucketName: string;
}

type Bucket = ReturnType<B2Emulator['createBucket']>;

/**
 * `<script> serve <blobDir>`: a B2 emulator with one bucket until stdin closes (its endpoints go to stdout
 * as JSON); `seed` fills the bucket first.
 */
export async function serveB2(
  blobDir: string,
  bucketName: string,
  seed?: (emulator: B2Emulator, bucket: Bucket) => Promise<void>,
): Promise<void> {
  await serveUntilStdinEnds<B2Endpoints>(async () => {
    // Imported here, so that the class's processes load the client only.
    const { EmulatorServer } = await import('#lib/emulator/core/index.js');
    const { B2Emulator } = await import('#lib/emulator/b2/index.js');
    const server = new EmulatorServer({ blobDir });
    const emulator = new B2Emulator();
    emulator.install(server);
    await server.start();
    const bucket = emulator.createBucket(bucketName);
    await seed?.(emulator, bucket);
    const endpoints: B2Endpoints = {
      api: emulator.urls.api,
      keyId: emulator.accountId,
      key: emulator.masterKey,
      bucketId: bucket.bucketId,
      bucketName: bucket.bucketName,
    };
    return { endpoints, stop: () => server.stop() };
  });
}

/** A B2 JSON call from the measuring process (preparation for curl, not timed). */
export class B2Calls {
  token = '';
  apiUrl = '';
  downloadUrl = '';
  constructor(private readonly endpoints: B2Endpoints) {}
  async authorize(): Promise<void> {
    const basic = Buffer.from(`${this.endpoints.keyId}:${this.endpoints.key}`).toString('base64');
    const r = await fetch(`${this.endpoints.api}/b2api/v2/b2_authorize_account`, {
      headers: { Authorization: `Basic ${basic}` },
    });
    const j = (await r.json()) as { authorizationToken: string; apiUrl: string; downloadUrl: string };
    this.token = j.authorizationToken;
    this.apiUrl = j.apiUrl;
    this.downloadUrl = j.downloadUrl;
  }
  async call<T>(op: string, body: unknown): Promise<T> {
    const r = await fetch(`${this.apiUrl}/b2api/v2/${op}`, {
      method: 'POST',
      headers: { Authorization: this.token, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${op}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }
}
