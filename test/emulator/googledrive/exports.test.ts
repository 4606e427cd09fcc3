import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { call, type Harness, startHarness } from './helpers.js';

/**
 * Every export format of about.exportFormats, judged by real tools: libmagic's `file` names the format
 * and `unzip -t` checks every ZIP-based package (both are test dependencies, scripts/install-test-deps.sh).
 */

const run = promisify(execFile);

const EXPECTED: Array<[kind: string, mime: string, file: RegExp]> = [
  ['document', 'application/pdf', /^PDF document, version 1\.4/],
  [
    'document',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    /Microsoft Word 2007\+/,
  ],
  ['document', 'application/vnd.oasis.opendocument.text', /OpenDocument Text/],
  ['document', 'application/epub+zip', /EPUB document/],
  ['document', 'application/rtf', /Rich Text Format/],
  ['document', 'text/html', /HTML document/],
  ['document', 'application/zip', /Zip archive/],
  [
    'spreadsheet',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    /Microsoft Excel 2007\+/,
  ],
  ['spreadsheet', 'application/vnd.oasis.opendocument.spreadsheet', /OpenDocument Spreadsheet/],
  ['spreadsheet', 'application/pdf', /^PDF document/],
  [
    'presentation',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    /Microsoft PowerPoint 2007\+/,
  ],
  ['presentation', 'application/vnd.oasis.opendocument.presentation', /OpenDocument Presentation/],
  ['drawing', 'image/png', /^PNG image data/],
  ['drawing', 'image/jpeg', /^JPEG image data/],
  ['drawing', 'image/svg+xml', /SVG Scalable Vector Graphics/],
];

describe('Drive emulator: exports judged by file(1) and unzip(1)', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'gdrive-exports-'));
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [kind, mime, expected] of EXPECTED) {
    it(`${kind} as ${mime}`, async () => {
      const text = kind === 'spreadsheet' ? 'a,b\n1,2' : 'First paragraph\nSecond one';
      const doc = await h.drive.addGoogleDoc(`My ${kind}`, kind, text);
      const r = await call(h, 'GET', `/drive/v3/files/${doc.id}/export`, { query: { mimeType: mime } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['content-type'], mime);
      assert.equal(Number(r.headers['content-length']), r.body.length);
      const path = join(dir, `${kind}-${mime.replace(/\W+/g, '_')}`);
      await writeFile(path, r.body);
      const { stdout } = await run('file', ['-b', path]);
      assert.match(stdout, expected);
      if (r.body.readUInt32LE(0) === 0x04034b50) {
        const test = await run('unzip', ['-t', path]);
        assert.match(test.stdout, /No errors detected/);
      }
    });
  }

  it('the formats offered are exactly the exportLinks of the file and about.exportFormats', async () => {
    const doc = await h.drive.addGoogleDoc('Links', 'document', 'x');
    const links = (
      await call(h, 'GET', `/drive/v3/files/${doc.id}`, { query: { fields: 'exportLinks' } })
    ).json().exportLinks;
    const about = (await call(h, 'GET', '/drive/v3/about', { query: { fields: 'exportFormats' } })).json();
    assert.deepEqual(
      Object.keys(links).sort(),
      [...about.exportFormats['application/vnd.google-apps.document']].sort(),
    );
    for (const url of Object.values(links) as string[]) {
      const r = await call(h, 'GET', url);
      assert.equal(r.status, 200, url);
    }
  });
});
