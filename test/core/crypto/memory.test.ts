/**
 * Constant memory: streaming 8 times more data through encryption and decryption must not raise the
 * peak resident memory of the process by more than a small, size-independent margin. Each run is a
 * fresh child process so that its peak RSS is its own. (Throughput is measured in bench/crypto.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from './helpers.js';

const INDEX = fileURLToPath(new URL('../../../src/core/crypto/index.ts', import.meta.url));

const CHILD = `
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
const { createEncryptStream, createDecryptStream } = await import(${JSON.stringify(INDEX)});
const settings = JSON.parse(process.argv[1]);
const total = Number(process.argv[2]);
async function* source() {
  for (let sent = 0, i = 0; sent < total; sent += 65536, i++) yield createHash('sha512').update(String(i)).digest().toString('hex').repeat(512).slice(0, 65536);
}
let received = 0;
const sink = new Writable({ write(chunk, _e, cb) { received += chunk.length; cb(); } });
await pipeline(Readable.from(source()), createEncryptStream(settings), createDecryptStream(settings), sink);
if (received !== total) throw new Error('received ' + received);
console.log(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
`;

async function peakRssMiB(settings: object, bytes: number): Promise<number> {
  const r = await run(process.execPath, [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    CHILD,
    JSON.stringify(settings),
    String(bytes),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString()).maxRssKiB / 1024;
}

describe('memory does not grow with the file size', () => {
  const MiB = 1024 * 1024;
  for (const [name, settings] of [
    ['AES-256, openssl layout', { algorithm: 0, password: 'pw' }],
    ['ChaCha, age', { algorithm: 11, password: 'pw', scryptWorkFactor: 10 }],
    ['XSalsa20, rclone', { algorithm: 12, password: 'pw' }],
  ] as const) {
    it(name, async () => {
      const small = await peakRssMiB(settings, 8 * MiB);
      const large = await peakRssMiB(settings, 64 * MiB);
      assert.ok(
        large - small < 40,
        `peak RSS ${small.toFixed(0)} MiB for 8 MiB, ${large.toFixed(0)} MiB for 64 MiB`,
      );
    });
  }
});
