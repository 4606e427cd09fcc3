import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudStorageError } from '../../src/core/errors.js';
import { REDACTED, Redactor } from '../../src/core/redact.js';

describe('Redactor', () => {
  it('masks registered secrets, also URL-encoded', () => {
    const r = new Redactor();
    r.add('s3cr3t/with+chars');
    const out = r.redact('x s3cr3t/with+chars y s3cr3t%2Fwith%2Bchars z');
    assert.ok(!out.includes('s3cr3t'));
    assert.equal(out.split(REDACTED).length, 3);
  });

  it('masks registered secrets as a form body and a JSON string carry them', () => {
    const r = new Redactor();
    const secret = 'pa ss!wo"rd\\x';
    r.add(secret);
    const form = new URLSearchParams({ note: secret }).toString();
    const json = JSON.stringify({ note: secret });
    const out = r.redact(`${form} ${json}`);
    assert.ok(!out.includes('pa+ss') && !out.includes('pa ss'), out);
    assert.equal(out.split(REDACTED).length, 3, out);
  });

  it('masks secrets in the shapes they travel in, unregistered', () => {
    const r = new Redactor();
    const samples = [
      'Authorization: Bearer abc.def.ghi',
      'proxy-authorization: Basic dXNlcjpwYXNz',
      'grant_type=refresh_token&refresh_token=RT-123456&client_secret=CS-987654',
      '{"access_token":"AT-555555","token_type":"bearer","refresh_token":"RT-666666"}',
      'http://user:pa55word@proxy.local:3128/',
      'redirect?code=AUTHCODE123&state=xyz',
    ];
    const out = samples.map((s) => r.redact(s)).join('\n');
    for (const secret of [
      'abc.def.ghi',
      'dXNlcjpwYXNz',
      'RT-123456',
      'CS-987654',
      'AT-555555',
      'RT-666666',
      'pa55word',
      'AUTHCODE123',
    ]) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.ok(out.includes('state=xyz'), 'non-secret parameters stay readable');
  });

  it('is applied to CloudStorageError messages and stacks', () => {
    const r = new Redactor();
    r.add('tok-abcdef');
    const e = new CloudStorageError(600, 'server said: invalid token tok-abcdef', { redactor: r });
    assert.ok(!e.message.includes('tok-abcdef'));
    assert.ok(!(e.stack ?? '').includes('tok-abcdef'));
  });
});
