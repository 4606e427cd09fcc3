/**
 * Names in every script, over every Dropbox emulator route that takes or returns one: create_folder_v2,
 * upload and upload sessions, copy_v2, move_v2 (rename), list_folder, search_v2, download (the name in the
 * header-safe Dropbox-API-Result), download_zip, shared links and temporary links (whose Content-Disposition
 * decodes back to the name). Leading and inner spaces are fine in Dropbox names; trailing ones are not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dispositionName, NAMES } from '../names.js';
import { apiResult, content, type Harness, rpc, startHarness, upload } from './helpers.js';

describe('Dropbox emulator: names in every script, with spaces', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  async function ok(res: Awaited<ReturnType<typeof rpc>>) {
    assert.equal(res.status, 200, res.text);
    return res.json();
  }

  for (const [i, name] of NAMES.entries()) {
    it(`every route keeps the name ${JSON.stringify(name)}`, async () => {
      const dir = `/dir ${i} ${name}`;
      const folder = await ok(await rpc(h, 'files/create_folder_v2', { path: dir }));
      assert.equal(folder.metadata.name, `dir ${i} ${name}`);
      assert.equal(folder.metadata.path_display, dir);

      const body = Buffer.from(`content of ${name}\n`);
      const file = await upload(h, `${dir}/${name}`, body);
      assert.equal(file.name, name);
      assert.equal(file.path_display, `${dir}/${name}`);

      // Upload session.
      const start = await content(h, 'files/upload_session/start', { close: false }, { body: body });
      assert.equal(start.status, 200, start.text);
      const finished = await content(
        h,
        'files/upload_session/finish',
        {
          cursor: { session_id: start.json().session_id, offset: body.length },
          commit: { path: `${dir}/s ${name}`, mode: 'add' },
        },
        { body: Buffer.alloc(0) },
      );
      assert.equal(finished.status, 200, finished.text);
      assert.equal(finished.json().name, `s ${name}`);

      // Listing and metadata.
      const listing = await ok(await rpc(h, 'files/list_folder', { path: dir }));
      assert.deepEqual(
        listing.entries.map((e: { name: string }) => e.name).sort(),
        [name, `s ${name}`].sort(),
      );
      const meta = await ok(await rpc(h, 'files/get_metadata', { path: `${dir}/${name}` }));
      assert.equal(meta.name, name);

      // Download: the name comes back in the header-safe Dropbox-API-Result.
      const down = await content(h, 'files/download', { path: `${dir}/${name}` });
      assert.equal(down.status, 200);
      assert.equal(apiResult(down).name, name);
      assert.deepEqual(down.body, body);

      // Search by name.
      const found = await ok(
        await rpc(h, 'files/search_v2', { query: name.trim(), options: { path: dir, filename_only: true } }),
      );
      assert.ok(
        found.matches.some(
          (m: { metadata: { metadata: { path_display: string } } }) =>
            m.metadata.metadata.path_display === `${dir}/${name}`,
        ),
        `search for ${JSON.stringify(name)}`,
      );

      // Copy, then rename by moving.
      const copied = await ok(
        await rpc(h, 'files/copy_v2', { from_path: `${dir}/${name}`, to_path: `${dir}/c ${name}` }),
      );
      assert.equal(copied.metadata.name, `c ${name}`);
      const moved = await ok(
        await rpc(h, 'files/move_v2', { from_path: `${dir}/c ${name}`, to_path: `/m ${i} ${name}` }),
      );
      assert.equal(moved.metadata.name, `m ${i} ${name}`);
      assert.equal(moved.metadata.path_display, `/m ${i} ${name}`);

      // download_zip: the folder's name in the result, the file names inside the archive.
      const zip = await content(h, 'files/download_zip', { path: dir });
      assert.equal(zip.status, 200, zip.text);
      assert.equal(apiResult(zip).metadata.name, `dir ${i} ${name}`);
      assert.ok(zip.body.includes(Buffer.from(`dir ${i} ${name}/${name}`)), 'the entry name, in UTF-8');

      // Shared link: the URL ends in the encoded name; its metadata names the file.
      const link = await ok(
        await rpc(h, 'sharing/create_shared_link_with_settings', { path: `${dir}/${name}` }),
      );
      assert.equal(link.name, name);
      assert.equal(decodeURIComponent(new URL(link.url).pathname.split('/').pop()!), name);
      const linkMeta = await ok(await rpc(h, 'sharing/get_shared_link_metadata', { url: link.url }));
      assert.equal(linkMeta.name, name);

      // Temporary link: a download whose Content-Disposition decodes back to the name.
      const temp = await ok(await rpc(h, 'files/get_temporary_link', { path: `${dir}/${name}` }));
      assert.equal(temp.metadata.name, name);
      const res = await fetch(temp.link);
      assert.equal(res.status, 200);
      assert.equal(dispositionName(res.headers.get('content-disposition')), name);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
    });
  }

  it('accepts a leading space and refuses a trailing one', async () => {
    const lead = await upload(h, '/ lead.txt', 'x');
    assert.equal(lead.name, ' lead.txt');
    const trailing = await content(
      h,
      'files/upload',
      { path: '/trailing.txt ', mode: 'add' },
      { body: Buffer.from('x') },
    );
    assert.equal(trailing.status, 409, trailing.text);
    assert.match(trailing.json().error_summary, /^path\/malformed_path/);
  });
});
