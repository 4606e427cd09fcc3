import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { Box, type BoxOptions } from '../../src/providers/box/index.js';
import { Dropbox, type DropboxOptions } from '../../src/providers/dropbox/index.js';

/**
 * Every enumerated or ranged property, option and setting is checked the same way in every class: a bad
 * value is error 1000 at once (property, constructor option, per-call option or config()), never kept.
 * The classes point at a closed loopback port: a check that failed to refuse would reach it and fail with
 * another code.
 */
const NOWHERE = 'http://127.0.0.1:1';
const box = (o: BoxOptions = {}) =>
  new Box({ apiUrl: `${NOWHERE}/2.0`, uploadUrl: NOWHERE, authorization: 'Bearer x', maxRetries: 0, ...o });
const dropbox = (o: DropboxOptions = {}) =>
  new Dropbox({
    apiBaseUrl: NOWHERE,
    contentBaseUrl: NOWHERE,
    notifyBaseUrl: NOWHERE,
    authorization: 'Bearer x',
    maxRetries: 0,
    ...o,
  });

function refused(run: () => unknown, what: string): void {
  assert.throws(run, (e: { code?: number; message: string }) => {
    assert.equal(e.code, ErrorCode.InvalidArgument, `${what}: ${e.message}`);
    return true;
  });
}

async function rejected(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (e: { code?: number; message: string }) => {
    assert.equal(e.code, ErrorCode.InvalidArgument, `${what}: ${e.message}`);
    return true;
  });
}

const BAD_ENUM = [7, -1, 1.5, '1', null, undefined, Number.NaN];

describe('enumerated properties: setters check them, in both classes', () => {
  const cases = [
    { cls: 'Box', make: box, name: 'downloadType', good: [0, 1], bad: [2, ...BAD_ENUM] },
    { cls: 'Dropbox', make: dropbox, name: 'downloadType', good: [0, 1, 2], bad: [3, ...BAD_ENUM] },
    { cls: 'Dropbox', make: dropbox, name: 'searchKind', good: [0, 1], bad: [2, ...BAD_ENUM] },
  ] as const;
  for (const c of cases) {
    it(`${c.cls}.${c.name}: ${c.good.join(', ')} are kept, anything else is 1000 (property and constructor option)`, () => {
      const client = c.make() as unknown as Record<string, unknown>;
      for (const v of c.good) {
        client[c.name] = v;
        assert.equal(client[c.name], v);
      }
      for (const v of c.bad) {
        refused(
          () => {
            client[c.name] = v;
          },
          `${c.name}=${String(v)}`,
        );
        assert.equal(client[c.name], c.good.at(-1), 'the old value stays');
        if (v !== undefined)
          refused(() => c.make({ [c.name]: v } as never), `new ${c.cls}({ ${c.name}: ${String(v)} })`);
      }
      refused(() => c.make({ [c.name]: 9 } as never), 'constructor');
    });
  }

  it('downloadType per call: 1000 before any request, in both classes', async () => {
    await rejected(box().downloadFile('f:1', { downloadType: 7 as never }), 'Box per-call downloadType');
    await rejected(
      dropbox().downloadFile('/a.txt', { downloadType: 7 as never }),
      'Dropbox per-call downloadType',
    );
  });
});

describe('collection sizes: whole numbers ≥ 0, growing adds blank entries (both classes)', () => {
  const cases = [
    { cls: 'Box', make: box, counts: ['resourceCount', 'metadataCount', 'queryParamCount'] },
    { cls: 'Dropbox', make: dropbox, counts: ['resourceCount', 'sharedLinkCount', 'queryParamCount'] },
  ] as const;
  for (const c of cases) {
    for (const name of c.counts) {
      it(`${c.cls}.${name}`, () => {
        const client = c.make() as unknown as Record<string, number>;
        client[name] = 3;
        assert.equal(client[name], 3);
        client[name] = 1;
        assert.equal(client[name], 1);
        for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          refused(() => {
            client[name] = bad;
          }, `${name}=${bad}`);
          assert.equal(client[name], 1);
        }
        client[name] = 0;
        assert.equal(client[name], 0);
      });
    }
  }
});

describe('ranged and enumerated settings: config() and constructor options refuse what is out of range', () => {
  for (const [cls, make] of [
    ['Box', box],
    ['Dropbox', dropbox],
  ] as const) {
    it(`${cls}: every bounded int setting refuses min-1 and max+1 and keeps min and max`, () => {
      const client = make();
      const table = client.settings.table as Record<
        string,
        {
          kind: string;
          min?: number;
          max?: number;
          allowed?: readonly unknown[];
          readOnly?: boolean;
          indexed?: boolean;
        }
      >;
      let checked = 0;
      for (const [name, spec] of Object.entries(table)) {
        if (spec.kind !== 'int' || spec.readOnly || spec.indexed) continue;
        if (spec.min !== undefined) {
          client.config(`${name}=${spec.min}`);
          assert.equal(client.config(name), String(spec.min));
          if (!spec.allowed?.includes(spec.min - 1))
            refused(() => client.config(`${name}=${spec.min! - 1}`), name);
          checked++;
        }
        if (spec.max !== undefined) {
          client.config(`${name}=${spec.max}`);
          if (!spec.allowed?.includes(spec.max + 1))
            refused(() => client.config(`${name}=${spec.max! + 1}`), name);
          checked++;
        }
        refused(() => client.config(`${name}=12abc`), `${name}=12abc`);
      }
      assert.ok(checked >= 10, `only ${checked} bounds checked`);
    });
  }

  it('the settings the reference enumerates, by name, in both classes', () => {
    const b = box();
    for (const bad of [
      'ThumbnailFormat=2',
      'ThumbnailSize=7',
      'CreateLinkAccess=3',
      'MaxResults=0',
      'MaxResults=1001',
      'MaxSearchResults=201',
      'BoxSubjectType=group',
    ]) {
      refused(() => b.config(bad), `Box ${bad}`);
    }
    refused(() => box({ thumbnailSize: 7 }), 'Box thumbnailSize option');
    const d = dropbox();
    for (const bad of [
      'ThumbnailFormat=2',
      'ThumbnailSize=9',
      'ThumbnailMode=3',
      'CreateLinkVisibility=3',
      'ListRevisionsMode=3',
      'MaxResults=2001',
      'MaxRevisionResults=101',
      'MaxSearchResults=1001',
    ]) {
      refused(() => d.config(bad), `Dropbox ${bad}`);
    }
    refused(() => dropbox({ thumbnailMode: 3 }), 'Dropbox thumbnailMode option');
  });

  it("Dropbox FragmentSize: 1 byte to 150 MiB (Dropbox's cap on one request); 0, negative and larger are refused", () => {
    const d = dropbox();
    for (const bad of [0, -1, 150 * 1024 * 1024 + 1])
      refused(() => d.config(`FragmentSize=${bad}`), `FragmentSize=${bad}`);
    refused(() => dropbox({ fragmentSize: 0 }), 'fragmentSize option');
    // Sequential upload sessions (what the class uses) take fragments of any size; the reference default
    // of 10 MiB is itself no multiple of 4 MiB, so that is not a rule here.
    for (const good of [123, 4 * 1024 * 1024, 10 * 1024 * 1024, 150 * 1024 * 1024]) {
      d.config(`FragmentSize=${good}`);
      assert.equal(d.config('FragmentSize'), String(good));
    }
  });
});

describe('values checked when a call uses them (both classes the same way)', () => {
  it('startByte < 0 or fractional: 1000 for downloads (both) and Dropbox uploads, before any request', async () => {
    for (const startByte of [-1, 0.5]) {
      await rejected(box().downloadFile('f:1', { startByte }), `Box download startByte=${startByte}`);
      await rejected(
        dropbox().downloadFile('/a.txt', { startByte }),
        `Dropbox download startByte=${startByte}`,
      );
      await rejected(
        dropbox().uploadFile('/a.txt', { data: Buffer.from('a'), startByte, uploadSessionId: 'x' }),
        `Dropbox upload startByte=${startByte}`,
      );
    }
    const b = box();
    b.startByte = -5;
    await rejected(b.downloadFile('f:1'), 'Box instance startByte');
    const d = dropbox();
    d.startByte = -5;
    await rejected(d.downloadFile('/a.txt'), 'Dropbox instance startByte');
  });

  it('Box resources[i].syncState: only 1 and 2 can be sent, on folders', async () => {
    for (const [id, state] of [
      ['d:5', 7],
      ['d:5', 3],
      ['d:5', 0.5],
      ['f:5', 1],
    ] as const) {
      const b = box();
      b.resourceCount = 1;
      Object.assign(b.resources[0]!, { id, syncState: state });
      await rejected(b.updateResource(id), `syncState ${state} on ${id}`);
    }
  });

  it('Box metadata[i].modOp and valueType: values of their enums, or 1000 before any request', async () => {
    for (const [field, value] of [
      ['modOp', 9],
      ['modOp', -1],
      ['valueType', 3],
      ['valueType', 1.5],
    ] as const) {
      const b = box();
      b.metadataCount = 2;
      Object.assign(b.metadata[0]!, { name: 'a', value: '1', modOp: 1 });
      Object.assign(b.metadata[1]!, { name: 'b', value: '2', modOp: 2, [field]: value });
      await rejected(b.createMetadata('f:1', '', ''), `createMetadata with ${field}=${value}`);
      await rejected(b.updateMetadata('f:1', '', ''), `updateMetadata with ${field}=${value}`);
    }
  });
});
