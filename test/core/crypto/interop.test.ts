/**
 * Interoperability, judged by the established tools themselves, in both directions:
 * `openssl enc` (password mode with both KDFs, and raw -K/-iv), `age` (passphrase files) and `rclone`
 * (a local crypt remote). A file of a megabyte, so that many chunks and blocks are involved.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EncryptionSettings } from '../../../src/core/crypto/index.js';
import { setNativeCrypto, sodium } from '../../../src/core/crypto/native.js';
import { decrypt, encrypt, random, run } from './helpers.js';

let dir: string;
const plain = random(1024 * 1024 + 12_345);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-crypto-interop-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LEGACY = ['-provider', 'legacy', '-provider', 'default'];

async function openssl(args: string[], input: Uint8Array): Promise<Buffer> {
  const r = await run('openssl', ['enc', ...args, ...LEGACY], input);
  assert.equal(r.code, 0, `openssl enc ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('openssl enc, password mode', () => {
  const cases: Array<{ cipher: string; settings: EncryptionSettings; flags: string[] }> = [
    { cipher: 'aes-256-cbc', settings: { algorithm: 0 }, flags: [] },
    { cipher: 'aes-256-cbc', settings: { algorithm: 0, kdf: 1 }, flags: ['-pbkdf2'] },
    {
      cipher: 'aes-256-cbc',
      settings: { algorithm: 0, kdf: 1, pbkdf2Iterations: 1000, digest: 'SHA512' },
      flags: ['-pbkdf2', '-iter', '1000', '-md', 'sha512'],
    },
    { cipher: 'aes-256-cbc', settings: { algorithm: 0, digest: 'MD5' }, flags: ['-md', 'md5'] },
    { cipher: 'cast5-cbc', settings: { algorithm: 2 }, flags: [] },
    { cipher: 'cast5-cbc', settings: { algorithm: 2, kdf: 1 }, flags: ['-pbkdf2'] },
    { cipher: 'des-cbc', settings: { algorithm: 3 }, flags: [] },
    { cipher: 'des-cbc', settings: { algorithm: 3, kdf: 1 }, flags: ['-pbkdf2'] },
    { cipher: 'rc2-cbc', settings: { algorithm: 5 }, flags: [] },
    { cipher: 'rc2-cbc', settings: { algorithm: 5, kdf: 1 }, flags: ['-pbkdf2'] },
    { cipher: 'des-ede3-cbc', settings: { algorithm: 8 }, flags: [] },
    { cipher: 'des-ede3-cbc', settings: { algorithm: 8, kdf: 1 }, flags: ['-pbkdf2'] },
  ];
  for (const { cipher, settings, flags } of cases) {
    it(`${cipher} ${flags.join(' ') || '(EVP_BytesToKey, SHA-256)'}: both directions`, async () => {
      const s = { ...settings, password: 'pässword with spaces' };
      const pass = ['-pass', `pass:${s.password}`];
      const ours = await encrypt(s, plain);
      assert.deepEqual(
        await openssl([`-${cipher}`, '-d', ...flags, ...pass], ours),
        plain,
        'openssl reads ours',
      );
      const theirs = await openssl([`-${cipher}`, '-e', ...flags, ...pass], plain);
      assert.deepEqual(await decrypt(s, theirs), plain, 'we read openssl’s');
    });
  }
});

describe('openssl enc, raw key and IV (-K/-iv, no header)', () => {
  const cases: Array<{ cipher: string; algorithm: number; key: number; iv: number }> = [
    { cipher: 'aes-256-cbc', algorithm: 0, key: 32, iv: 16 },
    { cipher: 'cast5-cbc', algorithm: 2, key: 16, iv: 8 },
    { cipher: 'des-cbc', algorithm: 3, key: 8, iv: 8 },
    { cipher: 'rc2-cbc', algorithm: 5, key: 16, iv: 8 },
    { cipher: 'des-ede3-cbc', algorithm: 8, key: 24, iv: 8 },
    { cipher: 'chacha20', algorithm: 11, key: 32, iv: 16 },
  ];
  for (const { cipher, algorithm, key, iv } of cases) {
    it(`${cipher}: both directions`, async () => {
      const k = random(key).toString('hex');
      const v = random(iv).toString('hex');
      const s = { algorithm, keyHex: k, ivHex: v };
      const ours = await encrypt(s, plain);
      assert.deepEqual(await openssl([`-${cipher}`, '-d', '-K', k, '-iv', v], ours), plain);
      assert.deepEqual(
        await decrypt(s, await openssl([`-${cipher}`, '-e', '-K', k, '-iv', v], plain)),
        plain,
      );
    });
  }

  it('rc4: a 2048-bit key made of a 128-bit key repeated reads and writes `openssl enc -rc4 -K`', async () => {
    const k = random(16).toString('hex');
    const s = { algorithm: 6, keyHex: k.repeat(16), ivHex: '' };
    const ours = await encrypt(s, plain);
    assert.deepEqual(await openssl(['-rc4', '-d', '-K', k], ours), plain);
    assert.deepEqual(await decrypt(s, await openssl(['-rc4', '-e', '-K', k], plain)), plain);
  });
});

/**
 * `age` reads passphrases from the terminal only, so it runs under `script` (util-linux), which gives
 * it a pseudo-terminal; the passphrase is typed in when the prompt appears.
 */
function ageWithPassphrase(
  args: string[],
  passphrase: string,
): Promise<{ code: number | null; output: string }> {
  const quoted = ['age', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', quoted, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let typed = 0;
    const onOutput = (d: Buffer) => {
      output += d.toString();
      const prompts = output.match(/(Enter|Confirm) passphrase/g)?.length ?? 0;
      for (; typed < prompts; typed++) child.stdin.write(`${passphrase}\n`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('age (ChaCha, password mode)', () => {
  const passphrase = 'correct horse battery staple';
  const s = { algorithm: 11, password: passphrase };

  it('age decrypts what the library wrote', async () => {
    const input = join(dir, 'ours.age');
    const output = join(dir, 'ours.out');
    await writeFile(input, await encrypt(s, plain));
    const r = await ageWithPassphrase(['-d', '-o', output, input], passphrase);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(await readFile(output), plain);
  });

  it('the library decrypts what age wrote, and rejects a wrong passphrase', async () => {
    const input = join(dir, 'plain.bin');
    const output = join(dir, 'theirs.age');
    await writeFile(input, plain);
    const r = await ageWithPassphrase(['-p', '-o', output, input], passphrase);
    assert.equal(r.code, 0, r.output);
    const sealed = await readFile(output);
    assert.ok(sealed.toString('latin1').startsWith('age-encryption.org/v1\n-> scrypt '));
    assert.deepEqual(await decrypt(s, sealed), plain);
    await assert.rejects(decrypt({ ...s, password: 'wrong' }, sealed), /Wrong password/);
  });

  it('age rejects a file the library wrote and someone then modified', async () => {
    const sealed = await encrypt(s, plain);
    sealed[sealed.length - 100]! ^= 1;
    const input = join(dir, 'tampered.age');
    await writeFile(input, sealed);
    const r = await ageWithPassphrase(['-d', '-o', join(dir, 'tampered.out'), input], passphrase);
    assert.notEqual(r.code, 0);
  });
});

// XSalsa20-Poly1305 runs in libsodium (sodium-native) where its prebuilt binding loads, else in
// @noble/ciphers: both are held to rclone.
for (const native of [true, false]) {
  const implementation = native ? 'libsodium (sodium-native)' : 'JavaScript fallback (@noble/ciphers)';
  describe(`rclone crypt (XSalsa20, password mode), ${implementation}`, () => {
    before(() => setNativeCrypto(native));
    after(() => setNativeCrypto(undefined));

    it(native ? 'loads the native binding' : 'does without the native binding', () => {
      assert.equal(sodium() !== undefined, native);
    });

    async function remote(password: string, password2?: string) {
      const store = await mkdtemp(join(dir, 'store-'));
      const obscure = async (p: string) => (await run('rclone', ['obscure', p])).stdout.toString().trim();
      const lines = [
        '[secret]',
        'type = crypt',
        `remote = ${store}`,
        'filename_encryption = off',
        'directory_name_encryption = false',
        `password = ${await obscure(password)}`,
        ...(password2 ? [`password2 = ${await obscure(password2)}`] : []),
      ];
      const config = join(store, '..', `${store.split('/').pop()}.conf`);
      await writeFile(config, `${lines.join('\n')}\n`);
      const rclone = (args: string[], input?: Uint8Array) =>
        run('rclone', ['--config', config, ...args], input);
      return { store, rclone };
    }

    for (const password2 of [undefined, 'second secret']) {
      const label = password2 ? 'with a second password (salt)' : 'with the default salt';
      const s = {
        algorithm: 12,
        password: 'rclone pass',
        ...(password2 ? { rclonePassword2: password2 } : {}),
      };

      it(`rclone reads what the library wrote, ${label}`, async () => {
        const { store, rclone } = await remote(s.password, password2);
        // With filename_encryption = off, rclone stores "name" as "name.bin".
        await writeFile(join(store, 'from-library.bin'), await encrypt(s, plain));
        const r = await rclone(['cat', 'secret:from-library']);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout, plain);
      });

      it(`the library reads what rclone wrote, ${label}`, async () => {
        const { store, rclone } = await remote(s.password, password2);
        const r = await rclone(['rcat', 'secret:from-rclone'], plain);
        assert.equal(r.code, 0, r.stderr);
        const sealed = await readFile(join(store, 'from-rclone.bin'));
        assert.deepEqual(await decrypt(s, sealed), plain);
      });
    }

    it('rclone refuses a file the library wrote and someone then modified', async () => {
      const s = { algorithm: 12, password: 'rclone pass' };
      const { store, rclone } = await remote(s.password);
      const sealed = await encrypt(s, plain);
      sealed[40_000]! ^= 0x10;
      await writeFile(join(store, 'tampered.bin'), sealed);
      const r = await rclone(['cat', 'secret:tampered']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /failed to authenticate/);
    });
  });
}
