import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { encodePng, solidImage } from '../../../src/emulator/core/images.js';
import { contentHashOf } from '../../../src/emulator/dropbox/index.js';
import { planZip } from '../../../src/emulator/dropbox/zip.js';
import { Chromium, describeWithFile, parsePng, pixelAt } from '../core/image-decode.js';
import { apiResult, content, type Harness, rpc, startHarness, upload } from './helpers.js';

/**
 * What download-style routes produce, judged by outside tools: ZIPs by `unzip -t` and Python's zipfile,
 * thumbnails by Chromium's decoders (size and pixel colour) and `file`, PNG structure by parsing, PDFs by
 * their cross-reference table; plus export-only files.
 */

const run = promisify(execFile);

const PYTHON_ZIP = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: z.read(i).hex() for i in z.infolist()}))
`;

describe('Dropbox downloads judged by outside tools', () => {
  let h: Harness;
  let dir: string;
  let chromium: Chromium;

  before(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'dbx-media-'));
    chromium = await Chromium.launch();
  });
  after(async () => {
    await chromium?.close();
    await rm(dir, { recursive: true, force: true });
    await h.stop();
  });

  describe('download_zip', () => {
    const files: Record<string, Buffer> = {
      'album/a.txt': Buffer.from('alpha'),
      'album/Sub Folder/b.bin': randomBytes(200_000),
      'album/Sub Folder/empty.txt': Buffer.alloc(0),
      'album/caf\u00e9 \u{1F600}.txt': Buffer.from('unicode name'),
    };

    before(async () => {
      for (const [path, data] of Object.entries(files)) await upload(h, `/${path}`, data);
      await rpc(h, 'files/create_folder_v2', { path: '/album/Empty Folder' });
      await h.dropbox.createExportOnlyFile('/album/notes.paper', { exports: { markdown: '# notes' } });
    });

    it('is a valid ZIP of the folder that unzip and Python read back byte for byte', async () => {
      const res = await content(
        h,
        'files/download_zip',
        { path: '/Album' },
        { headers: { range: 'bytes=0-9' } },
      );
      assert.equal(res.status, 200, 'download_zip ignores Range');
      assert.equal(res.headers['content-type'], 'application/zip');
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.deepEqual(apiResult(res).metadata, {
        name: 'album',
        path_lower: '/album',
        path_display: '/album',
        id: (await rpc(h, 'files/get_metadata', { path: '/album' })).json().id,
      });
      const file = join(dir, 'album.zip');
      await writeFile(file, res.body);
      const { stdout } = await run('unzip', ['-t', file]);
      assert.match(stdout, /No errors detected/);
      const listed = JSON.parse((await run('python3', ['-c', PYTHON_ZIP, file])).stdout) as Record<
        string,
        string
      >;
      assert.deepEqual(Object.keys(listed).sort(), [
        'album/',
        'album/Empty Folder/',
        'album/Sub Folder/',
        'album/Sub Folder/b.bin',
        'album/Sub Folder/empty.txt',
        'album/a.txt',
        'album/caf\u00e9 \u{1F600}.txt',
      ]);
      for (const [path, data] of Object.entries(files))
        assert.equal(listed[path], data.toString('hex'), path);
    });

    it('writes ZIP64 records that the same tools accept', async () => {
      const data = randomBytes(1000);
      const zip = planZip(
        [
          { name: 'd/', size: 0, modified: Date.UTC(2024, 0, 2, 3, 4, 6) },
          {
            name: 'd/x.bin',
            size: data.length,
            modified: Date.UTC(2024, 0, 2),
            open: () => Readable.from([data]),
          },
        ],
        { forceZip64: true },
      );
      const chunks: Buffer[] = [];
      for await (const c of zip.stream()) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      assert.equal(bytes.length, zip.size);
      const file = join(dir, 'zip64.zip');
      await writeFile(file, bytes);
      assert.match((await run('unzip', ['-t', file])).stdout, /No errors detected/);
      const listed = JSON.parse((await run('python3', ['-c', PYTHON_ZIP, file])).stdout) as Record<
        string,
        string
      >;
      assert.equal(listed['d/x.bin'], data.toString('hex'));
    });

    it('refuses files', async () => {
      const res = await content(h, 'files/download_zip', { path: '/album/a.txt' });
      assert.equal(res.status, 409);
      assert.deepEqual(res.json().error, { '.tag': 'path', path: { '.tag': 'not_folder' } });
    });
  });

  describe('thumbnails', () => {
    const source = encodePng(solidImage(300, 200, [10, 200, 30]));
    let expected: number[];

    before(async () => {
      const meta = await upload(h, '/pics/photo.png', source);
      const hash = meta.content_hash as string;
      expected = [0, 2, 4].map((i) => Number.parseInt(hash.slice(i, i + 2), 16));
      await upload(h, '/pics/broken.jpg', 'not an image');
      await upload(h, '/pics/notes.txt', 'text');
    });

    const cases = [
      {
        format: 'jpeg',
        size: 'w64h64',
        mode: 'strict',
        type: 'image/jpeg',
        width: 64,
        height: 43,
        fileType: /JPEG image data/,
      },
      {
        format: 'png',
        size: 'w128h128',
        mode: 'bestfit',
        type: 'image/png',
        width: 128,
        height: 85,
        fileType: /PNG image data, 128 x 85/,
      },
      {
        format: 'png',
        size: 'w64h64',
        mode: 'fitone_bestfit',
        type: 'image/png',
        width: 96,
        height: 64,
        fileType: /PNG image data, 96 x 64/,
      },
      {
        format: 'jpeg',
        size: 'w480h320',
        mode: 'strict',
        type: 'image/jpeg',
        width: 300,
        height: 200,
        fileType: /JPEG image data/,
      },
      {
        format: 'webp',
        size: 'w32h32',
        mode: 'strict',
        type: 'image/webp',
        width: 32,
        height: 21,
        fileType: /Web\/P image/,
      },
      {
        format: 'jpeg',
        size: 'w2048h1536',
        mode: 'original',
        type: 'image/jpeg',
        width: 300,
        height: 200,
        fileType: /JPEG image data/,
      },
    ];

    for (const c of cases) {
      it(`makes a real ${c.format} of ${c.size} in ${c.mode} mode`, async () => {
        const res = await content(h, 'files/get_thumbnail_v2', {
          resource: { '.tag': 'path', path: '/pics/photo.png' },
          format: c.format,
          size: c.size,
          mode: c.mode,
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers['content-type'], c.type);
        assert.equal(apiResult(res).file_metadata.name, 'photo.png');
        assert.match(await describeWithFile(res.body), c.fileType);
        if (c.format === 'png') {
          const png = parsePng(res.body);
          assert.deepEqual([png.width, png.height], [c.width, c.height]);
          assert.equal(png.pixels.length, c.width * c.height * 3);
        }
        const decoded = await chromium.decode(res.body, c.type);
        assert.equal(decoded.width, c.width);
        assert.equal(decoded.height, c.height);
        const centre = pixelAt(decoded, Math.floor(c.width / 2), Math.floor(c.height / 2));
        for (const [i, v] of centre.entries()) {
          assert.ok(Math.abs(v - expected[i]!) <= 3, `channel ${i}: ${v} vs ${expected[i]}`);
        }
      });
    }

    it('refuses what it cannot thumbnail', async () => {
      const txt = await content(h, 'files/get_thumbnail_v2', {
        resource: { '.tag': 'path', path: '/pics/notes.txt' },
      });
      assert.deepEqual(txt.json().error, { '.tag': 'unsupported_extension' });
      const broken = await content(h, 'files/get_thumbnail_v2', {
        resource: { '.tag': 'path', path: '/pics/broken.jpg' },
      });
      assert.deepEqual(broken.json().error, { '.tag': 'unsupported_image' });
      const missing = await content(h, 'files/get_thumbnail_v2', {
        resource: { '.tag': 'path', path: '/pics/none.jpg' },
      });
      assert.deepEqual(missing.json().error, { '.tag': 'path', path: { '.tag': 'not_found' } });
    });

    it('thumbnails through a shared link', async () => {
      const link = (await rpc(h, 'sharing/create_shared_link_with_settings', { path: '/pics' })).json();
      const res = await content(h, 'files/get_thumbnail_v2', {
        resource: { '.tag': 'link', url: link.url, path: '/photo.png' },
        format: 'png',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(apiResult(res).link_metadata.path, '/pics/photo.png');
      assert.equal(parsePng(res.body).width, 64);
    });
  });

  describe('previews', () => {
    it('renders documents as a PDF with a consistent cross-reference table', async () => {
      await upload(h, '/docs/Report.docx', 'not really word');
      const res = await content(h, 'files/get_preview', { path: '/docs/Report.docx' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(apiResult(res).name, 'Report.docx');
      const pdf = res.body.toString('latin1');
      assert.ok(pdf.startsWith('%PDF-1.4') && pdf.trimEnd().endsWith('%%EOF'));
      const startxref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
      assert.ok(pdf.startsWith('xref', startxref));
      const entries = [...pdf.slice(startxref).matchAll(/(\d{10}) 00000 n /g)].map((m) => Number(m[1]));
      for (const [i, offset] of entries.entries()) {
        assert.ok(pdf.startsWith(`${i + 1} 0 obj`, offset), `object ${i + 1}`);
      }
      const file = join(dir, 'preview.pdf');
      await writeFile(file, res.body);
      assert.match((await run('file', ['-b', file])).stdout, /PDF document/);
    });

    it('renders spreadsheets as HTML and refuses other types', async () => {
      await upload(h, '/docs/table.csv', 'a,b\n1,<2>\n');
      const res = await content(h, 'files/get_preview', { path: '/docs/table.csv' });
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.text, /<td>1<\/td><td>&lt;2&gt;<\/td>/);
      await upload(h, '/docs/plain.txt', 'x');
      const txt = await content(h, 'files/get_preview', { path: '/docs/plain.txt' });
      assert.deepEqual(txt.json().error, { '.tag': 'unsupported_extension' });
    });
  });

  describe('export-only files', () => {
    it('describes, refuses to download, and exports a Paper-like file', async () => {
      const created = await h.dropbox.createExportOnlyFile('/Paper/Plan.paper', {
        exports: { markdown: '# Plan\n', html: '<h1>Plan</h1>' },
      });
      assert.equal(created.is_downloadable, false);
      const meta = (await rpc(h, 'files/get_metadata', { path: '/paper/plan.paper' })).json();
      assert.equal(meta.is_downloadable, false);
      assert.deepEqual(meta.export_info, { export_as: 'markdown', export_options: ['markdown', 'html'] });

      const download = await content(h, 'files/download', { path: '/Paper/Plan.paper' });
      assert.deepEqual(download.json().error, { '.tag': 'unsupported_file' });

      const md = await content(h, 'files/export', { path: '/Paper/Plan.paper' });
      assert.equal(md.status, 200);
      assert.equal(md.text, '# Plan\n');
      const result = apiResult(md);
      assert.deepEqual(result.export_metadata, {
        name: 'Plan.md',
        size: 7,
        export_hash: contentHashOf('# Plan\n'),
      });
      assert.equal(result.file_metadata.id, meta.id);
      const html = await content(h, 'files/export', { path: meta.id, export_format: 'html' });
      assert.equal(html.text, '<h1>Plan</h1>');
      assert.equal(apiResult(html).export_metadata.name, 'Plan.html');
      const bad = await content(h, 'files/export', { path: '/Paper/Plan.paper', export_format: 'pdf' });
      assert.deepEqual(bad.json().error, { '.tag': 'invalid_export_format' });

      await upload(h, '/Paper/normal.txt', 'n');
      const normal = await content(h, 'files/export', { path: '/Paper/normal.txt' });
      assert.deepEqual(normal.json().error, { '.tag': 'non_exportable' });

      const listed = (
        await rpc(h, 'files/list_folder', { path: '/Paper', include_non_downloadable_files: false })
      ).json();
      assert.deepEqual(
        listed.entries.map((e: { name: string }) => e.name),
        ['normal.txt'],
      );
    });
  });
});
