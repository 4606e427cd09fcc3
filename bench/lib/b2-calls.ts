/** What the B2 benchmarks' emulator process publishes: its API root, the master key and one bucket. */
export interface B2Endpoints {
  api: string;
  keyId: string;
  key: string;
  bucketId: string;
  bucketName: string;
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
