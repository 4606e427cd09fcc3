import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { int, Settings } from '../../../src/core/config.js';
import { CloudStorageError } from '../../../src/core/errors.js';
import { type CoreEvents, TypedEmitter } from '../../../src/core/events.js';
import { HttpClient } from '../../../src/core/http/client.js';
import { httpSettings } from '../../../src/core/http/settings.js';
import { makeClient, startServer, type TestServer } from './helpers.js';

const isInvalid = (err: unknown) => err instanceof CloudStorageError && err.code === 1000;

describe('HTTP settings', () => {
  it('validates values through config()', () => {
    const settings = new Settings(httpSettings);
    assert.throws(() => settings.config('LogLevel=5'), isInvalid);
    assert.throws(() => settings.config('LogLevel=-1'), isInvalid);
    assert.throws(() => settings.config('FollowRedirects=3'), isInvalid);
    assert.throws(() => settings.config('FollowRedirects=always'), isInvalid);
    assert.throws(() => settings.config('ProgressAbsolute=maybe'), isInvalid);
    assert.throws(() => settings.config('MaskSensitiveData=false'), isInvalid);
    assert.throws(() => settings.config('StatusCode=200'), isInvalid);
    assert.throws(() => settings.config('NoSuchSetting=1'), isInvalid);
    assert.equal(settings.config('LogLevel=3'), '');
    assert.equal(settings.config('loglevel'), '3');
    assert.equal(settings.config('FollowRedirects'), '0');
    assert.equal(settings.config('ProgressAbsolute'), 'True');
    assert.equal(settings.config('MaxRedirectAttempts'), '20');
    assert.match(settings.config('UserAgent'), /^cloudstorage\/\d+\.\d+\.\d+\S* node\/\d+\.\d+\.\d+$/);
  });

  it('accepts typed constructor options', () => {
    const settings = new Settings(httpSettings, { logLevel: 2, followRedirects: 1, progressStep: 0 });
    assert.equal(settings.get('LogLevel'), 2);
    assert.equal(settings.get('FollowRedirects'), 1);
    assert.throws(() => new Settings(httpSettings, { logLevel: 9 }), isInvalid);
  });

  it('works inside a provider table that extends it', async () => {
    const table = { ...httpSettings, MaxResults: int(-1, 'page size', { min: 1, max: 1000, allowed: [-1] }) };
    const settings = new Settings(table);
    const client = new HttpClient({ settings, events: new TypedEmitter<CoreEvents>() });
    settings.config('MaxResults=50');
    assert.equal(settings.config('StatusCode'), '');
    assert.ok(client.idle);
  });

  it('TransferredRequest takes ON/OFF only', () => {
    const { settings } = makeClient();
    assert.throws(() => settings.config('TransferredRequest=maybe'), isInvalid);
    settings.config('TransferredRequest=ON');
  });
});

describe('the last exchange, as read-only settings', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((_req, res, body) => {
      res.writeHead(201, 'Created Here', { 'Content-Type': 'application/json', 'X-Trace': 'abc' });
      res.end(JSON.stringify({ echo: body.toString(), padding: 'p'.repeat(200) }));
    });
  });
  after(() => server.close());

  it('fills StatusCode, StatusLine, TransferredHeaders, SentHeaders, TransferredData, BytesTransferred', async () => {
    const { client, settings } = makeClient({ settings: ['TransferredDataLimit=20'] });
    const res = await client.request({ method: 'POST', url: `${server.url}/items?x=1`, json: { a: 1 } });
    const text = await res.text();
    assert.equal(settings.config('StatusCode'), '201');
    assert.equal(settings.config('StatusLine'), 'HTTP/1.1 201 Created Here');
    assert.match(
      settings.config('TransferredHeaders'),
      /^Content-Type: application\/json\r\nX-Trace: abc\r\n/,
    );
    const sent = settings.config('SentHeaders');
    assert.match(sent, /^POST \/items\?x=1 HTTP\/1\.1\r\n/);
    assert.match(sent, /\r\nUser-Agent: cloudstorage\//);
    assert.match(sent, /\r\nContent-Type: application\/json/);
    assert.equal(settings.config('TransferredData'), text.slice(0, 20));
    assert.equal(settings.config('BytesTransferred'), String(Buffer.byteLength(text)));
  });

  it('RawRequest / RawResponse need TransferredRequest=ON (error 602), then show the whole exchange', async () => {
    const { client, settings } = makeClient();
    await client.request({ method: 'POST', url: `${server.url}/a`, json: { hello: 'world' } });
    assert.throws(
      () => settings.config('RawRequest'),
      (err: unknown) => err instanceof CloudStorageError && err.code === 602,
    );
    assert.throws(
      () => settings.config('RawResponse'),
      (err: unknown) => err instanceof CloudStorageError && err.code === 602,
    );
    assert.equal(settings.config('TransferredRequest'), '');
    settings.config('TransferredRequest=ON');
    await client.request({ method: 'POST', url: `${server.url}/b`, json: { hello: 'world' } });
    const raw = settings.config('RawRequest');
    assert.match(raw, /^POST \/b HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    assert.ok(raw.endsWith('\r\n\r\n{"hello":"world"}'), raw);
    assert.equal(settings.config('TransferredRequest'), raw);
    const response = settings.config('RawResponse');
    assert.match(response, /^HTTP\/1\.1 201 Created Here\r\nContent-Type: application\/json\r\n/);
    assert.match(response, /\r\n\r\n\{"echo":"\{\\"hello\\":\\"world\\"\}"/);
  });

  it('the UserAgent setting is sent', async () => {
    const { client, settings } = makeClient();
    await client.request({ method: 'GET', url: server.url });
    assert.match(server.seen.at(-1)!.headers['user-agent'] ?? '', /^cloudstorage\/\S+ node\/\S+$/);
    settings.config('UserAgent=MyApp/2.0');
    await client.request({ method: 'GET', url: server.url });
    assert.equal(server.seen.at(-1)!.headers['user-agent'], 'MyApp/2.0');
  });
});
