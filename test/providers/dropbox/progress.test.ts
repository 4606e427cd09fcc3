import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Dropbox } from '../../../src/providers/dropbox/index.js';
import { assertProgressTo, downloadDestinations, downloadProgress } from '../../helpers/transfer-checks.js';
import { type Env, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

const DATA = randomBytes(600_000);

for (const encrypted of [false, true]) {
  describe(`Dropbox downloadFile fires progress (${encrypted ? 'encrypted' : 'plain'})`, () => {
    const path = `/progress/${encrypted ? 'encrypted' : 'plain'}.bin`;
    let client: Dropbox;
    let stored: number;
    before(async () => {
      client = env.client({ progressStep: 0, ...(encrypted ? { encryptionPassword: 'progress' } : {}) });
      await client.uploadFile(path, { data: DATA });
      stored = (await env.client().getResourceInfo(path)).size;
      if (encrypted) assert.ok(stored > DATA.length, 'the stored file is the ciphertext');
    });

    for (const d of downloadDestinations(() => env.dir, encrypted ? 'e' : 'p')) {
      test(`to ${d.name}: increasing byte counts ending at the file size`, async () => {
        const options = d.options();
        let result: Awaited<ReturnType<Dropbox['downloadFile']>> | undefined;
        const events = await downloadProgress(client, async () => {
          result = await client.downloadFile(path, options);
        });
        assert.deepEqual(await d.read(options, result!), DATA);
        assert.equal(result!.bytesReceived, stored);
        assertProgressTo(events, stored);
      });
    }
  });
}

describe('Dropbox sendCustomRequest: the body to a stream as a download would', () => {
  test('to a stream: no body, the stream has it, XPath reads it', async () => {
    const c = env.client();
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk) => chunks.push(chunk));
    const answer = await c.sendCustomRequest('POST', '/users/get_current_account', '', { stream: sink });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, undefined);
    const id = JSON.parse(Buffer.concat(chunks).toString()).account_id as string;
    assert.match(id, /^dbid:/);
    c.config('XPath=/json/account_id');
    assert.equal(c.config('XText'), id);
  });
});
