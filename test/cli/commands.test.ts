/**
 * Every file command on every remote kind: the local disk and each service's emulator, configured with
 * `config add` (a real browser sign-in for the OAuth services, the key for B2). The command runs in this
 * process here (`main()` with its own output streams) because it is called some twenty times per remote;
 * binary.test.ts spawns it as a user would.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashBytes } from '../../src/core/transfer/hash.js';
import type { HashName } from '../../src/remote/types.js';
import { MIXED, makeTree, remoteName, type Service, startWorld, type World } from './helpers.js';

const SERVICES: Service[] = ['box', 'dropbox', 'googledrive', 'b2'];

/** The hash each kind gives for every file (hashsum checks it against our own computation). */
const HASH: Record<string, HashName> = {
  local: 'sha256',
  box: 'sha1',
  dropbox: 'dropbox',
  googledrive: 'md5',
  b2: 'sha1',
};

describe('cloudstorage file commands on every remote', () => {
  let world: World;
  let source: string;

  before(async () => {
    world = await startWorld(SERVICES);
    source = join(world.dir, 'mixed');
    await makeTree(source, MIXED);
    for (const service of SERVICES) {
      const r = await world.runCli(world.addArgs(remoteName(service), service));
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => world?.stop());

  const kinds: Array<{ kind: string; base: (w: World) => string; root: (w: World) => string }> = [
    {
      kind: 'local',
      base: (w) => join(w.dir, 'local-remote', 'base'),
      root: (w) => join(w.dir, 'local-remote'),
    },
    ...SERVICES.map((service) => ({
      kind: service,
      // B2 keeps files in buckets, the first path element.
      base: () =>
        service === 'b2' ? `${remoteName(service)}:cli-bucket/base` : `${remoteName(service)}:base`,
      root: () => (service === 'b2' ? `${remoteName(service)}:cli-bucket` : `${remoteName(service)}:`),
    })),
  ];

  for (const { kind, base: baseOf, root: rootOf } of kinds) {
    it(`${kind}: mkdir, copy, ls, lsf, lsjson, tree, cat, hashsum, check, copyto, moveto, move, delete, rmdir, about, link, purge`, async () => {
      const base = baseOf(world);
      const root = rootOf(world);
      const ok = async (...args: string[]) => {
        const r = await world.runCli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        return r;
      };

      await ok('mkdir', base);
      const copied = await ok('copy', source, base);
      assert.match(copied.stderr, /Copied 5 files .*deleted 0, 0 unchanged/);

      const ls = await ok('ls', base);
      const sizes = new Map(
        ls.stdout
          .trim()
          .split('\n')
          .map((l) => {
            const m = /^\s*(\d+) (.+)$/.exec(l)!;
            return [m[2]!, Number(m[1])] as const;
          }),
      );
      assert.deepEqual(
        [...sizes].sort(),
        Object.entries(MIXED)
          .map(([p, c]) => [p, Buffer.byteLength(c)] as const)
          .sort(),
      );

      const lsf = await ok('lsf', base);
      assert.deepEqual(lsf.stdout.trim().split('\n').sort(), ['docs/', 'empty.dat', 'photos/', 'readme.txt']);
      const lsfR = await ok('lsf', '-R', '--files-only', base);
      assert.deepEqual(lsfR.stdout.trim().split('\n').sort(), Object.keys(MIXED).sort());

      const lsjson = JSON.parse((await ok('lsjson', '-R', base)).stdout) as Array<Record<string, unknown>>;
      const dog = lsjson.find((e) => e.Path === 'photos/2024/dog.bin')!;
      assert.equal(dog.Size, 150_000);
      assert.equal(dog.IsDir, false);
      assert.ok(lsjson.some((e) => e.Path === 'photos/2024' && e.IsDir === true));

      const tree = await ok('tree', base);
      assert.match(tree.stdout, /└── /);
      assert.match(tree.stdout, /dog\.bin \(150000\)/);
      assert.match(tree.stdout, /\n3 folders, 5 files\n/);

      assert.equal((await ok('cat', `${base}/readme.txt`)).stdout, MIXED['readme.txt']);
      assert.equal((await ok('cat', '--offset', '6', '--count', '4', `${base}/readme.txt`)).stdout, 'from');

      const hash = HASH[kind]!;
      const sums = (await ok('hashsum', hash, base)).stdout.trim().split('\n');
      for (const [path, content] of Object.entries(MIXED))
        assert.ok(sums.includes(`${hashBytes(hash, Buffer.from(content))}  ${path}`), `${hash} of ${path}`);

      assert.match((await ok('check', source, base)).stderr, /5 files match/);

      await ok('copyto', `${base}/readme.txt`, `${base}/copies/readme-copy.txt`);
      assert.equal((await ok('cat', `${base}/copies/readme-copy.txt`)).stdout, MIXED['readme.txt']);
      await ok('moveto', `${base}/copies/readme-copy.txt`, `${base}/moved.txt`);
      await ok('move', `${base}/docs`, `${base}/docs-moved`);
      const afterMoves = (await ok('lsf', '-R', '--files-only', base)).stdout.trim().split('\n').sort();
      assert.ok(
        afterMoves.includes('moved.txt') && afterMoves.includes('docs-moved/notes.md'),
        afterMoves.join(),
      );
      assert.ok(!afterMoves.includes('copies/readme-copy.txt') && !afterMoves.includes('docs/notes.md'));

      await ok('delete', `${base}/moved.txt`);
      await ok('rmdir', `${base}/copies`);
      const afterDelete = (await ok('lsf', base)).stdout.trim().split('\n');
      assert.ok(!afterDelete.includes('moved.txt') && !afterDelete.includes('copies/'), afterDelete.join());

      const about = await world.runCli(['about', root]);
      assert.equal(about.code, 0, about.stderr);
      if (kind === 'b2') assert.match(about.stderr, /does not report storage figures/);
      else assert.match(about.stdout, /Used: +[\d.]+ /);

      const link = await world.runCli(['link', `${base}/readme.txt`]);
      if (kind === 'local') assert.equal(link.code, 1, 'the local disk has no public links');
      else {
        assert.equal(link.code, 0, link.stderr);
        assert.match(link.stdout, /^https?:\/\/\S+\n$/);
      }

      await ok('purge', base);
      const gone = await world.runCli(['lsf', base]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /no such file or folder/);
    });
  }

  it('writes what it copies as bytes a local read gives back', async () => {
    const back = join(world.dir, 'back');
    const r = await world.runCli(['copy', join(source, 'photos'), back]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readFile(join(back, '2024', 'dog.bin')), MIXED['photos/2024/dog.bin']);
  });
});

describe('cloudstorage --encrypt / --decrypt', () => {
  let world: World;
  let source: string;

  before(async () => {
    world = await startWorld(['dropbox']);
    world.env.CLOUDSTORAGE_PASSWORD = 'a crypt password';
    source = join(world.dir, 'mixed');
    await makeTree(source, MIXED);
    const r = await world.runCli(world.addArgs(remoteName('dropbox'), 'dropbox'));
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => world?.stop());

  it('writes rclone crypt files that rclone reads, and reads them back through the command', async () => {
    const vault = join(world.dir, 'vault');
    assert.equal((await world.runCli(['copy', '--encrypt', source, vault])).code, 0);
    assert.deepEqual(
      await readFile(join(vault, 'readme.txt.bin')).then((b) => b.subarray(0, 8).toString()),
      'RCLONE\0\0',
      'the rclone crypt file header',
    );
    // rclone itself, with a crypt remote over the folder, reads what the command wrote.
    const obscured = execFileSync('rclone', ['obscure', 'a crypt password']).toString().trim();
    const rcloneEnv = {
      ...process.env,
      RCLONE_CONFIG_VAULT_TYPE: 'crypt',
      RCLONE_CONFIG_VAULT_REMOTE: vault,
      RCLONE_CONFIG_VAULT_PASSWORD: obscured,
      RCLONE_CONFIG_VAULT_FILENAME_ENCRYPTION: 'off',
      RCLONE_CONFIG_VAULT_DIRECTORY_NAME_ENCRYPTION: 'false',
    };
    const dog = execFileSync('rclone', ['cat', 'vault:photos/2024/dog.bin'], { env: rcloneEnv });
    assert.ok(dog.equals(MIXED['photos/2024/dog.bin'] as Buffer));

    // Local (encrypted) → Dropbox (encrypted): --decrypt on the source, --encrypt on the destination.
    const leg = await world.runCli(['copy', '--decrypt', '--encrypt', vault, 't-dropbox:vault']);
    assert.equal(leg.code, 0, leg.stderr);
    const names = (await world.runCli(['lsf', '-R', '--files-only', 't-dropbox:vault'])).stdout
      .trim()
      .split('\n');
    assert.ok(names.includes('docs/notes.md.bin'), names.join());
    const cat = await world.runCli([
      'cat',
      '--decrypt',
      '--offset',
      '2',
      '--count',
      '5',
      't-dropbox:vault/docs/notes.md',
    ]);
    assert.equal(cat.stdout, (MIXED['docs/notes.md'] as string).slice(2, 7));
    const check = await world.runCli(['check', '--encrypt', source, 't-dropbox:vault']);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    const noPassword = await world.runCli(['ls', '--decrypt', 't-dropbox:vault']);
    assert.equal(noPassword.code, 0, 'the password comes from CLOUDSTORAGE_PASSWORD');
    world.env.CLOUDSTORAGE_PASSWORD = '';
    const missing = await world.runCli(['ls', '--decrypt', 't-dropbox:vault']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /need the password: set CLOUDSTORAGE_PASSWORD/);
  });
});
