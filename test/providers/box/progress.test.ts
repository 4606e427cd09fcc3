import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Box } from '../../../src/providers/box/index.js';
import { assertProgressTo, downloadDestinations, downloadProgress } from '../../helpers/transfer-checks.js';
import { type BoxEnv, startBoxEnv } from './helpers.js';

let env: BoxEnv;
before(async () => {
  env = await startBoxEnv();
});
after(() => env.close());

const DATA = randomBytes(600_000);

/** The same transfer convention and progress as Dropbox (test/providers/dropbox/progress.test.ts). */
for (const encrypted of [false, true]) {
  describe(`Box downloadFile fires progress (${encrypted ? 'encrypted' : 'plain'})`, () => {
    let client: Box;
    let id: string;
    let stored: number;
    before(async () => {
      client = env.box({ progressStep: 0, ...(encrypted ? { encryptionPassword: 'progress' } : {}) });
      id = await client.uploadFile(`progress-${encrypted ? 'e' : 'p'}.bin`, '', { data: DATA });
      stored = (await env.box().getResourceInfo(id)).size;
      if (encrypted) assert.ok(stored > DATA.length, 'the stored file is the ciphertext');
    });

    for (const d of downloadDestinations(() => env.dir, encrypted ? 'e' : 'p')) {
      test(`to ${d.name}: increasing byte counts ending at the file size; a DownloadResult`, async () => {
        const options = d.options();
        let result: Awaited<ReturnType<Box['downloadFile']>> | undefined;
        const events = await downloadProgress(client, async () => {
          result = await client.downloadFile(id, options);
        });
        assert.deepEqual(await d.read(options, result!), DATA);
        assert.equal(result!.bytesReceived, stored);
        assertProgressTo(events, stored);
      });
    }
  });
}

describe('Box sendCustomRequest: a CustomResponse, and the body to a stream as a download would', () => {
  test('to bytes: status, headers, body (also resourceData); to a stream: no body, the stream has it', async () => {
    const c = env.box();
    const answer = await c.sendCustomRequest('GET', '/folders/0', '');
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type'] ?? '', /json/);
    assert.equal(JSON.parse(Buffer.from(answer.body!).toString()).id, '0');
    assert.deepEqual(Buffer.from(c.resourceData as Uint8Array), Buffer.from(answer.body!));
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk) => chunks.push(chunk));
    const streamed = await c.sendCustomRequest('GET', '/folders/0', '', { stream: sink });
    assert.equal(streamed.body, undefined);
    assert.equal(JSON.parse(Buffer.concat(chunks).toString()).id, '0');
    c.config('XPath=/json/id');
    assert.equal(c.config('XText'), '0', 'the JSON that went to the stream is kept for XPath');
  });
});
