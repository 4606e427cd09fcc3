import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openerFor, openInSystemBrowser } from '../../../src/core/auth/index.js';

/** The default browser launcher, run against stand-in `xdg-open` scripts on PATH. */

let dir: string;
const originalPath = process.env.PATH;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudstorage-opener-'));
});

after(async () => {
  process.env.PATH = originalPath;
  await rm(dir, { recursive: true, force: true });
});

async function fakeOpener(name: string, script: string): Promise<string> {
  const bin = join(dir, name);
  await mkdir(bin, { recursive: true });
  const path = join(bin, 'xdg-open');
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return bin;
}

const URL_WITH_QUERY =
  'http://127.0.0.1:9/oauth2/authorize?client_id=a&state=b c&redirect_uri=http%3A%2F%2Flocalhost';

test('xdg-open gets the URL as one argument, untouched', async () => {
  const out = join(dir, 'opened.txt');
  process.env.PATH = await fakeOpener('ok', `printf '%s' "$1" > '${out}'; exit 0`);
  await openInSystemBrowser(URL_WITH_QUERY);
  assert.equal(await readFile(out, 'utf8'), URL_WITH_QUERY);
});

test('an opener that fails, or none at all, rejects (so the flow prints the URL instead)', async () => {
  process.env.PATH = await fakeOpener('fails', 'exit 3');
  await assert.rejects(Promise.resolve(openInSystemBrowser(URL_WITH_QUERY)), /exited with status 3/);
  process.env.PATH = join(dir, 'empty');
  await assert.rejects(Promise.resolve(openInSystemBrowser(URL_WITH_QUERY)), /ENOENT/);
});

test('the opener of each platform', () => {
  assert.deepEqual(openerFor('linux', 'u'), { command: 'xdg-open', args: ['u'], verbatim: false });
  assert.deepEqual(openerFor('freebsd', 'u'), { command: 'xdg-open', args: ['u'], verbatim: false });
  assert.deepEqual(openerFor('darwin', 'u'), { command: 'open', args: ['u'], verbatim: false });
  const win = openerFor('win32', 'http://h/?a=1&b="2"');
  assert.equal(win.command, 'cmd.exe');
  assert.equal(win.verbatim, true);
  assert.deepEqual(win.args, ['/d', '/s', '/c', 'start "" "http://h/?a=1&b=%222%22"']);
});
