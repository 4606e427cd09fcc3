import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Env, rejection, startEnv } from './helpers.js';

/**
 * A hostile server: the emulator is seeded with an export-only file whose `export_as` is a path
 * (`d/../../escaped`). The class appends the export extension to localFile; a server must not be able to
 * name a directory that way.
 */
let env: Env;
const hostile = 'd/../../escaped';

before(async () => {
  env = await startEnv();
  await env.emulator.createExportOnlyFile('/Evil.paper', {
    exports: { [hostile]: 'pwned' },
    exportAs: hostile,
  });
  await env.emulator.createExportOnlyFile('/Ctl.paper', { exports: { 'ht\nml': 'x' }, exportAs: 'ht\nml' });
});
after(() => env.stop());

test('an export_as naming a directory is refused (600) and nothing is written outside the target folder', async () => {
  const target = join(env.dir, 'target');
  // plan.d exists, so `plan.d/../../escaped` resolves to env.dir/escaped, outside target.
  await mkdir(join(target, 'plan.d'), { recursive: true });
  const c = env.client();
  const err = await rejection(c.downloadFile('/Evil.paper', { localFile: join(target, 'plan') }));
  assert.equal(err.code, 600);
  assert.match(err.message, /export extension .*not a plain file name.*path separator/);
  assert.equal(existsSync(join(env.dir, 'escaped')), false);
  assert.deepEqual(await readdir(target), ['plan.d']);
  // The metadata carries the same name: refused there too, so no caller builds a path from it.
  assert.equal((await rejection(c.getResourceInfo('/Evil.paper'))).code, 600);
});

test('an export_as with a control character is refused', async () => {
  const c = env.client();
  const err = await rejection(c.downloadFile('/Ctl.paper', { localFile: join(env.dir, 'ctl') }));
  assert.equal(err.code, 600);
  assert.match(err.message, /control character/);
  assert.equal(existsSync(join(env.dir, 'ctl')), false);
});
