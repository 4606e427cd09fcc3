/**
 * The Drive emulator's resources checked against Google's own discovery document
 * (test/fixtures/googledrive/drive-v3-discovery.json, a copy of the published Drive v3 document): every
 * property declared by its schema, of the declared type (`format: int64` as a JSON string of digits,
 * `date-time` as RFC 3339), the fixed `kind` values; with `fields=*`, and with the default field set Drive
 * answers when `fields` is absent. Then the error envelope.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { call, type Harness, type RawResponse, related, startHarness } from './helpers.js';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  default?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
}

interface Parameter {
  type: string;
  location: string;
  enum?: string[];
  minimum?: string;
  maximum?: string;
}
interface Method {
  httpMethod: string;
  path: string;
  parameters?: Record<string, Parameter>;
}

const discovery = JSON.parse(
  readFileSync(new URL('../../fixtures/googledrive/drive-v3-discovery.json', import.meta.url), 'utf8'),
) as {
  schemas: Record<string, Schema>;
  parameters: Record<string, Parameter>;
  resources: Record<string, { methods: Record<string, Method> }>;
};

const isDigits = (s: string) =>
  s.length > 0 && [...s].every((c, i) => (c >= '0' && c <= '9') || (i === 0 && c === '-'));
/** RFC 3339 date-time: `2026-01-02T03:04:05(.fff)Z` or with a `±hh:mm` offset. */
function isRfc3339(s: string): boolean {
  const shape = '0000-00-00T00:00:00';
  if (s.length < shape.length) return false;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === '0' ? !(s[i]! >= '0' && s[i]! <= '9') : s[i] !== shape[i]) return false;
  }
  let rest = s.slice(shape.length);
  if (rest.startsWith('.')) {
    let n = 1;
    while (rest[n] && rest[n]! >= '0' && rest[n]! <= '9') n++;
    if (n === 1) return false;
    rest = rest.slice(n);
  }
  const offset = rest.length === 6 && (rest[0] === '+' || rest[0] === '-') && rest[3] === ':';
  return (rest === 'Z' || offset) && !Number.isNaN(Date.parse(s));
}

/** Problems of `value` as an instance of `schema`, with JSON paths. */
function validate(schema: Schema, value: unknown, path: string): string[] {
  if (schema.$ref) return validate(discovery.schemas[schema.$ref]!, value, path);
  const at = (p: string) => [`${path}: ${p} (${JSON.stringify(value)})`];
  switch (schema.type) {
    case 'any':
      return [];
    case 'string':
      if (typeof value !== 'string') return at('not a string');
      if ((schema.format === 'int64' || schema.format === 'uint64') && !isDigits(value))
        return at('not an int64 string');
      if (schema.format === 'date-time' && !isRfc3339(value)) return at('not an RFC 3339 date-time');
      if (schema.default !== undefined && path.endsWith('.kind') && value !== schema.default)
        return at(`kind is not ${schema.default}`);
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : at('not a boolean');
    case 'integer':
      return Number.isInteger(value) ? [] : at('not an integer');
    case 'number':
      return typeof value === 'number' ? [] : at('not a number');
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => validate(schema.items!, v, `${path}[${i}]`))
        : at('not an array');
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return at('not an object');
      const problems: string[] = [];
      for (const [key, v] of Object.entries(value)) {
        const sub = schema.properties?.[key] ?? schema.additionalProperties;
        if (!sub) problems.push(`${path}: ${key} is not declared`);
        else problems.push(...validate(sub, v, `${path}.${key}`));
      }
      return problems;
    }
  }
  return at(`unexpected schema type ${schema.type}`);
}

function check(name: string, value: unknown): Record<string, unknown> {
  const problems = validate(discovery.schemas[name]!, value, '$');
  assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
  return value as Record<string, unknown>;
}

/** A 2xx answer as the named resource. */
function resource(name: string, res: RawResponse): Record<string, unknown> {
  assert.ok(res.status >= 200 && res.status < 300, `${name}: ${res.status} ${res.text.slice(0, 300)}`);
  return check(name, res.json());
}

const keys = (v: unknown) => Object.keys(v as object).sort();

describe('Drive emulator resources match the discovery document', () => {
  let h: Harness;
  let fileId = '';
  let folderId = '';
  let driveId = '';
  const all = { fields: '*' };

  before(async () => {
    h = await startHarness();
    const folder = await call(h, 'POST', '/drive/v3/files', {
      json: { name: 'shapes', mimeType: 'application/vnd.google-apps.folder' },
      query: all,
    });
    folderId = resource('File', folder).id as string;
    const { body, contentType } = related({ name: 'a.txt', parents: [folderId] }, 'hello', 'text/plain');
    const up = await call(h, 'POST', '/upload/drive/v3/files', {
      query: { uploadType: 'multipart', fields: '*' },
      body,
      headers: { 'content-type': contentType },
    });
    fileId = resource('File', up).id as string;
    await call(h, 'PATCH', `/upload/drive/v3/files/${fileId}`, {
      query: { uploadType: 'media' },
      body: 'hello again',
      headers: { 'content-type': 'text/plain' },
    });
  });
  after(() => h.stop());

  it('the checker catches what it must', () => {
    const good = {
      kind: 'drive#file',
      id: 'x',
      size: '5',
      createdTime: '2026-01-02T03:04:05.678Z',
      owners: [{ kind: 'drive#user' }],
    };
    const problems = (v: object) => validate(discovery.schemas.File!, { ...good, ...v }, '$');
    assert.deepEqual(problems({}), []);
    assert.equal(problems({ kind: 'drive#folder' }).length, 1);
    assert.equal(problems({ size: 5 }).length, 1);
    assert.equal(problems({ size: '5.0' }).length, 1);
    assert.equal(problems({ createdTime: '2026-01-02 03:04:05' }).length, 1);
    assert.equal(problems({ createdTime: '2026-01-02T03:04:05' }).length, 1);
    assert.equal(problems({ colour: 'red' }).length, 1);
    assert.equal(problems({ owners: [{ kind: 'drive#user', me: 'yes' }] }).length, 1);
    assert.equal(problems({ capabilities: { canEdit: true, canFly: true } }).length, 1);
  });

  it('files: fields=* on get, list, copy, update; kinds and types', async () => {
    const file = resource('File', await call(h, 'GET', `/drive/v3/files/${fileId}`, { query: all }));
    assert.equal(file.kind, 'drive#file');
    assert.equal(file.size, '11');
    resource('File', await call(h, 'GET', `/drive/v3/files/${folderId}`, { query: all }));
    resource('File', await call(h, 'GET', '/drive/v3/files/root', { query: all }));
    const list = resource('FileList', await call(h, 'GET', '/drive/v3/files', { query: all }));
    assert.equal(list.kind, 'drive#fileList');
    assert.ok((list.files as unknown[]).length >= 2);
    const copy = resource(
      'File',
      await call(h, 'POST', `/drive/v3/files/${fileId}/copy`, { json: { name: 'b.txt' }, query: all }),
    );
    resource(
      'File',
      await call(h, 'PATCH', `/drive/v3/files/${copy.id}`, {
        json: { starred: true, properties: { k: 'v' }, appProperties: { a: 'b' } },
        query: all,
      }),
    );
    resource('GeneratedIds', await call(h, 'GET', '/drive/v3/files/generateIds', { query: { count: 2 } }));
  });

  it('files of every kind: Google Docs, shortcuts, trashed, images, in a shared drive', async () => {
    const create = async (json: object, query: Record<string, string | boolean> = {}) =>
      resource('File', await call(h, 'POST', '/drive/v3/files', { json, query: { ...all, ...query } }));
    const doc = await create({ name: 'Notes', mimeType: 'application/vnd.google-apps.document' });
    assert.equal(typeof (doc.exportLinks as Record<string, string>)['application/pdf'], 'string');
    const shortcut = await create({
      name: 'link',
      mimeType: 'application/vnd.google-apps.shortcut',
      shortcutDetails: { targetId: fileId },
    });
    assert.equal((shortcut.shortcutDetails as Record<string, unknown>).targetId, fileId);
    const trashed = resource(
      'File',
      await call(h, 'PATCH', `/drive/v3/files/${shortcut.id}`, { json: { trashed: true }, query: all }),
    );
    assert.equal(trashed.trashed, true);
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
        '1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db40000000049454e44ae426082',
      'hex',
    );
    const { body, contentType } = related({ name: 'dot.png' }, png, 'image/png');
    resource(
      'File',
      await call(h, 'POST', '/upload/drive/v3/files', {
        query: { uploadType: 'multipart', fields: '*' },
        body,
        headers: { 'content-type': contentType },
      }),
    );
    const team = resource(
      'Drive',
      await call(h, 'POST', '/drive/v3/drives', {
        query: { requestId: 'kinds-1', fields: 'id' },
        json: { name: 'Kinds' },
      }),
    );
    await create({ name: 'in-drive.txt', parents: [team.id] }, { supportsAllDrives: true });
    await create(
      { name: 'sub', parents: [team.id], mimeType: 'application/vnd.google-apps.folder' },
      { supportsAllDrives: true },
    );
    resource(
      'FileList',
      await call(h, 'GET', '/drive/v3/files', {
        query: { ...all, corpora: 'allDrives', includeItemsFromAllDrives: true, supportsAllDrives: true },
      }),
    );
    resource(
      'FileList',
      await call(h, 'GET', '/drive/v3/files', { query: { fields: 'files(*),nextPageToken' } }),
    );
  });

  it('files: the default field sets', async () => {
    const file = resource('File', await call(h, 'GET', `/drive/v3/files/${fileId}`));
    assert.deepEqual(keys(file), ['id', 'kind', 'mimeType', 'name']);
    const list = resource('FileList', await call(h, 'GET', '/drive/v3/files', { query: { pageSize: 1 } }));
    assert.deepEqual(keys(list), ['files', 'incompleteSearch', 'kind', 'nextPageToken']);
    for (const f of list.files as unknown[]) assert.deepEqual(keys(f), ['id', 'kind', 'mimeType', 'name']);
    const last = resource('FileList', await call(h, 'GET', '/drive/v3/files', { query: { pageSize: 1000 } }));
    assert.deepEqual(keys(last), ['files', 'incompleteSearch', 'kind'], 'no nextPageToken on the last page');
    const created = resource('File', await call(h, 'POST', '/drive/v3/files', { json: { name: 'empty' } }));
    assert.deepEqual(keys(created), ['id', 'kind', 'mimeType', 'name']);
    const ids = resource('GeneratedIds', await call(h, 'GET', '/drive/v3/files/generateIds'));
    assert.deepEqual(keys(ids), ['ids', 'kind', 'space']);
    assert.equal(ids.kind, 'drive#generatedIds');
  });

  it('permissions and revisions: fields=* and defaults', async () => {
    const base = `/drive/v3/files/${fileId}`;
    const p = resource(
      'Permission',
      await call(h, 'POST', `${base}/permissions`, { json: { type: 'anyone', role: 'reader' }, query: all }),
    );
    assert.equal(p.kind, 'drive#permission');
    resource('Permission', await call(h, 'GET', `${base}/permissions/${p.id}`, { query: all }));
    const pl = resource('PermissionList', await call(h, 'GET', `${base}/permissions`, { query: all }));
    assert.equal(pl.kind, 'drive#permissionList');
    const pDefault = resource('Permission', await call(h, 'GET', `${base}/permissions/${p.id}`));
    assert.deepEqual(keys(pDefault), ['id', 'kind', 'role', 'type']);
    const plDefault = resource('PermissionList', await call(h, 'GET', `${base}/permissions`));
    assert.deepEqual(keys(plDefault), ['kind', 'permissions']);
    for (const x of plDefault.permissions as unknown[])
      assert.deepEqual(keys(x), ['id', 'kind', 'role', 'type']);

    const rl = resource('RevisionList', await call(h, 'GET', `${base}/revisions`, { query: all }));
    assert.equal(rl.kind, 'drive#revisionList');
    const revs = rl.revisions as Record<string, unknown>[];
    assert.equal(revs.length, 2);
    const r = resource('Revision', await call(h, 'GET', `${base}/revisions/${revs[0]!.id}`, { query: all }));
    assert.equal(r.kind, 'drive#revision');
    const rDefault = resource('Revision', await call(h, 'GET', `${base}/revisions/${revs[0]!.id}`));
    assert.deepEqual(keys(rDefault), ['id', 'kind', 'mimeType', 'modifiedTime']);
    const rlDefault = resource('RevisionList', await call(h, 'GET', `${base}/revisions`));
    assert.deepEqual(keys(rlDefault), ['kind', 'revisions']);
  });

  it('shared drives: fields=* and defaults', async () => {
    const d = resource(
      'Drive',
      await call(h, 'POST', '/drive/v3/drives', {
        query: { requestId: 'shapes-1', fields: '*' },
        json: { name: 'Team' },
      }),
    );
    driveId = d.id as string;
    assert.equal(d.kind, 'drive#drive');
    resource('Drive', await call(h, 'GET', `/drive/v3/drives/${driveId}`, { query: all }));
    const dl = resource('DriveList', await call(h, 'GET', '/drive/v3/drives', { query: all }));
    assert.equal(dl.kind, 'drive#driveList');
    assert.deepEqual(keys(resource('Drive', await call(h, 'GET', `/drive/v3/drives/${driveId}`))), [
      'id',
      'kind',
      'name',
    ]);
    const dlDefault = resource('DriveList', await call(h, 'GET', '/drive/v3/drives'));
    assert.deepEqual(keys(dlDefault), ['drives', 'kind']);
    resource(
      'File',
      await call(h, 'POST', '/drive/v3/files', {
        json: { name: 'in-drive.txt', parents: [driveId] },
        query: { supportsAllDrives: true, fields: '*' },
      }),
    );
  });

  it('changes, start page tokens, about', async () => {
    const start = resource('StartPageToken', await call(h, 'GET', '/drive/v3/changes/startPageToken'));
    assert.deepEqual(keys(start), ['kind', 'startPageToken']);
    assert.equal(start.kind, 'drive#startPageToken');
    await call(h, 'PATCH', `/drive/v3/files/${fileId}`, { json: { description: 'changed' } });
    await call(h, 'DELETE', `/drive/v3/files/${folderId}`);
    const cl = resource(
      'ChangeList',
      await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: '1', fields: '*' } }),
    );
    assert.equal(cl.kind, 'drive#changeList');
    const changes = cl.changes as Record<string, unknown>[];
    assert.ok(
      changes.some((c) => c.removed === true),
      'a removal',
    );
    for (const c of changes) assert.equal(c.kind, 'drive#change');
    const paged = resource(
      'ChangeList',
      await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: '1', pageSize: 1 } }),
    );
    assert.ok(typeof paged.nextPageToken === 'string' && !('newStartPageToken' in paged));
    const clDefault = resource(
      'ChangeList',
      await call(h, 'GET', '/drive/v3/changes', { query: { pageToken: start.startPageToken as string } }),
    );
    for (const c of clDefault.changes as Record<string, unknown>[]) {
      if (c.file) assert.deepEqual(keys(c.file), ['id', 'kind', 'mimeType', 'name']);
    }
    const about = resource('About', await call(h, 'GET', '/drive/v3/about', { query: all }));
    assert.equal(about.kind, 'drive#about');
    assert.equal((about.user as Record<string, unknown>).kind, 'drive#user');
  });

  it('errors: code, message, errors[], status', async () => {
    const cases: [RawResponse, number, string][] = [
      [await call(h, 'GET', '/drive/v3/files/nope'), 404, 'notFound'],
      [await call(h, 'GET', '/drive/v3/files', { query: { fields: 'nope' } }), 400, 'invalid'],
      [await call(h, 'GET', '/drive/v3/files', { token: 'bad' }), 401, 'authError'],
      [await call(h, 'GET', '/drive/v3/about'), 400, 'required'],
    ];
    for (const [res, status, reason] of cases) {
      assert.equal(res.status, status, res.text);
      const body = res.json();
      assert.deepEqual(keys(body), ['error']);
      const e = body.error;
      assert.equal(e.code, status);
      assert.equal(typeof e.message, 'string');
      assert.ok(Array.isArray(e.errors) && e.errors.length >= 1);
      for (const d of e.errors) {
        assert.equal(typeof d.domain, 'string');
        assert.equal(typeof d.message, 'string');
        const extra = keys(d).filter(
          (k) => !['domain', 'reason', 'message', 'location', 'locationType'].includes(k),
        );
        assert.deepEqual(extra, []);
      }
      assert.equal(e.errors[0].reason, reason);
      assert.equal(typeof e.status, 'string');
      const extra = keys(e).filter((k) => !['code', 'message', 'errors', 'status', 'details'].includes(k));
      assert.deepEqual(extra, []);
    }
  });

  it('accepts every documented flag, enum and number parameter of the methods it serves, and the standard ones', async () => {
    const f = resource(
      'File',
      await call(h, 'POST', '/upload/drive/v3/files', {
        query: { uploadType: 'media' },
        body: 'params',
        headers: { 'content-type': 'text/plain' },
      }),
    );
    const revisions = (await call(h, 'GET', `/drive/v3/files/${f.id}/revisions`)).json().revisions;
    const revisionId = (revisions[0] as { id: string }).id;
    const permissionId = (
      await call(h, 'POST', `/drive/v3/files/${f.id}/permissions`, {
        json: { type: 'anyone', role: 'reader' },
      })
    ).json().id as string;
    const d = await call(h, 'POST', '/drive/v3/drives', {
      query: { requestId: 'params-1' },
      json: { name: 'P' },
    });
    const pageToken = (await call(h, 'GET', '/drive/v3/changes/startPageToken')).json()
      .startPageToken as string;
    const ids: Record<string, string> = {
      fileId: f.id as string,
      revisionId,
      permissionId,
      driveId: d.json().id,
    };
    // Method → the request body and the parameters it needs beside the flags (the order matters: deletes last).
    const served: [string, string, { json?: object; query?: Record<string, string> }][] = [
      ['about', 'get', { query: { fields: '*' } }],
      ['files', 'get', {}],
      ['files', 'list', {}],
      ['files', 'generateIds', {}],
      ['files', 'export', { query: { mimeType: 'text/plain' } }],
      ['files', 'create', { json: { name: 'flags.txt' } }],
      ['files', 'copy', { json: { name: 'flags copy.txt' } }],
      ['files', 'update', { json: { description: 'flags' } }],
      ['permissions', 'get', {}],
      ['permissions', 'list', {}],
      ['permissions', 'update', { json: { role: 'reader' } }],
      ['revisions', 'get', {}],
      ['revisions', 'list', {}],
      ['revisions', 'update', { json: { keepForever: false } }],
      ['drives', 'get', {}],
      ['drives', 'list', {}],
      ['drives', 'update', { json: { name: 'P2' } }],
      ['drives', 'hide', {}],
      ['drives', 'unhide', {}],
      ['changes', 'getStartPageToken', {}],
      ['changes', 'list', { query: { pageToken } }],
      ['permissions', 'delete', {}],
      ['files', 'emptyTrash', {}],
      ['drives', 'delete', {}],
      ['files', 'delete', {}],
    ];
    const flag = (p: Parameter) =>
      p.type === 'boolean'
        ? 'false'
        : p.enum
          ? p.enum[0]
          : p.type === 'integer'
            ? (p.minimum ?? '1')
            : undefined;
    const standard: Record<string, string> = {};
    for (const [name, p] of Object.entries(discovery.parameters)) {
      const v = flag(p);
      if (v !== undefined && name !== 'alt') standard[name] = v;
    }
    const refused: string[] = [];
    for (const [res, name, extra] of served) {
      const m = discovery.resources[res]!.methods[name]!;
      let path = `/drive/v3/${m.path}`;
      const query: Record<string, string> = { ...standard };
      for (const [pn, p] of Object.entries(m.parameters ?? {})) {
        if (p.location === 'path') path = path.replace(`{${pn}}`, ids[pn]!);
        else if (flag(p) !== undefined) query[pn] = flag(p)!;
      }
      // Only a Google Doc exports: this file is a blob, so export a Doc made for it.
      if (name === 'export') {
        const doc = await call(h, 'POST', '/drive/v3/files', {
          json: { name: 'doc', mimeType: 'application/vnd.google-apps.document' },
        });
        path = `/drive/v3/files/${doc.json().id}/export`;
      }
      const r = await call(h, m.httpMethod, path, {
        query: { ...query, ...extra.query },
        ...(extra.json ? { json: extra.json } : {}),
      });
      if (r.status >= 400) refused.push(`${res}.${name} ${r.status}: ${r.text.slice(0, 200)}`);
    }
    assert.deepEqual(refused, []);
  });

  it('holds number parameters to the documented ranges', async () => {
    const f = await call(h, 'POST', '/drive/v3/files', { json: { name: 'ranges.txt' } });
    const id = f.json().id as string;
    const token = (await call(h, 'GET', '/drive/v3/changes/startPageToken')).json().startPageToken as string;
    const cases: [string, string, string, Record<string, string>][] = [
      ['files', 'list', '/drive/v3/files', {}],
      ['files', 'generateIds', '/drive/v3/files/generateIds', {}],
      ['permissions', 'list', `/drive/v3/files/${id}/permissions`, {}],
      ['revisions', 'list', `/drive/v3/files/${id}/revisions`, {}],
      ['drives', 'list', '/drive/v3/drives', {}],
      ['changes', 'list', '/drive/v3/changes', { pageToken: token }],
    ];
    for (const [res, method, path, query] of cases) {
      for (const [name, p] of Object.entries(discovery.resources[res]!.methods[method]!.parameters ?? {})) {
        if (p.type !== 'integer') continue;
        const max = Number(p.maximum);
        const min = Number(p.minimum);
        for (const [v, ok] of [
          [min, true],
          [max, true],
          [min - 1, false],
          [max + 1, false],
        ] as const) {
          const r = await call(h, 'GET', path, { query: { ...query, [name]: v } });
          assert.equal(r.status, ok ? 200 : 400, `${res}.${method} ${name}=${v}: ${r.text.slice(0, 200)}`);
        }
      }
    }
  });
});
