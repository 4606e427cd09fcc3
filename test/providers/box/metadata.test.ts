/**
 * Metadata containers through the Box class: /global/properties (strings only) and an enterprise template
 * with typed fields; createMetadata, listMetadata (its own empty-scope rule), updateMetadata with the seven
 * operations sent in order (MetadataUpdateOrder), atomically, error 701, and deleteMetadata.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import {
  type Box,
  BoxErrorCode,
  type BoxMetadata,
  type MetadataListEvent,
  BoxMetadataModOp as Op,
} from '../../../src/providers/box/index.js';
import { type BoxEnv, rejectsWithCode, startBoxEnv } from './helpers.js';

function item(name: string, value: string, modOp: number, extra: Partial<BoxMetadata> = {}): BoxMetadata {
  return {
    name,
    value,
    valueType: 0,
    modOp: modOp as BoxMetadata['modOp'],
    sourceName: '',
    containerScope: '',
    containerSchema: '',
    resourceId: '',
    ...extra,
  };
}

/** name → value of the listed items. */
function values(list: BoxMetadata[]): Record<string, string> {
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

describe('Box class: metadata', () => {
  let env: BoxEnv;
  let box: Box;
  let file: string;
  let scope: string;

  before(async () => {
    env = await startBoxEnv();
    box = env.box();
    file = await box.uploadFile('meta.txt', '', { data: Buffer.from('metadata') });
    scope = `enterprise_${(await box.getAccountInfo()).enterpriseId}`;
    // An enterprise template, made through sendCustomRequest.
    await box.sendCustomRequest(
      'POST',
      '/metadata_templates/schema',
      JSON.stringify({
        scope: 'enterprise',
        templateKey: 'contract',
        displayName: 'Contract',
        fields: [
          { type: 'string', key: 'customer', displayName: 'Customer' },
          { type: 'float', key: 'amount', displayName: 'Amount' },
          {
            type: 'enum',
            key: 'status',
            displayName: 'Status',
            options: [{ key: 'draft' }, { key: 'signed' }],
          },
          {
            type: 'multiSelect',
            key: 'regions',
            displayName: 'Regions',
            options: [{ key: 'emea' }, { key: 'apac' }, { key: 'amer' }],
          },
          { type: 'date', key: 'signedAt', displayName: 'Signed at' },
        ],
      }),
    );
    assert.equal(box.config('XPath=/json/templateKey'), '');
    assert.equal(box.config('XText'), 'contract');
  });
  after(() => env.close());

  it('creates /global/properties from the Add items (always strings) and lists it', async () => {
    box.metadata = [
      item('num1', '123', Op.Add, { valueType: 1 }),
      item('text1', 'abc', Op.Add),
      item('skipped', 'x', Op.None),
      item('elsewhere', 'y', Op.Add, { resourceId: 'f:1' }),
    ];
    await box.createMetadata(file, '', '');
    assert.deepEqual(
      box.metadata.map((m) => m.modOp),
      [0, 0, 0, 1],
      'the items sent are reset to None',
    );
    const events: MetadataListEvent[] = [];
    box.on('metadataList', (e) => events.push(e));
    const list = await box.listMetadata(file, 'global', 'properties');
    box.removeAllListeners('metadataList');
    assert.deepEqual(values(list), { num1: '123', text1: 'abc' });
    assert.ok(
      list.every((m) => m.valueType === 0),
      'global/properties holds strings',
    );
    assert.deepEqual(
      events.map((e) => [e.name, e.containerScope, e.containerSchema, e.resourceId]),
      [
        ['num1', 'global', 'properties', file],
        ['text1', 'global', 'properties', file],
      ],
    );
    assert.equal(box.metadataCount, 2);
    // A second container of the same schema is Box's 409.
    box.metadata = [item('again', '1', Op.Add)];
    const dup = await rejectsWithCode(
      box.createMetadata(file, 'global', 'properties'),
      ErrorCode.ServerError,
    );
    assert.equal(dup.httpStatus, 409);
  });

  it('sends the seven operations in one ordered, atomic update', async () => {
    await box.listMetadata(file, '', '');
    assert.deepEqual(values(box.metadata), { num1: '123', text1: 'abc' });
    box.metadata[0]!.value = '456';
    box.metadata[0]!.modOp = Op.Replace;
    box.metadata.push(
      item('temp', 'soon gone', Op.Add),
      item('copy', '', Op.CopyFrom, { sourceName: 'text1' }),
      item('moved', '', Op.MoveFrom, { sourceName: 'text1' }),
      item('temp', '', Op.Remove),
      item('copy', 'abc', Op.Test),
      item('ignored', 'z', Op.None),
    );
    await box.updateMetadata(file, '', '');
    assert.ok(box.metadata.every((m) => m.modOp === Op.None));
    assert.deepEqual(values(await box.listMetadata(file, '', '')), {
      num1: '456',
      copy: 'abc',
      moved: 'abc',
    });

    // Order matters: remove before add fails, so the whole request fails and changes nothing.
    box.metadata = [
      item('later', '', Op.Remove),
      item('later', 'v', Op.Add),
      item('num1', '999', Op.Replace),
    ];
    const failed = await rejectsWithCode(
      box.updateMetadata(file, 'global', 'properties'),
      ErrorCode.ServerError,
    );
    assert.equal(failed.httpStatus, 400);
    assert.ok(
      box.metadata.every((m) => m.modOp !== Op.None),
      'nothing is reset after a failure',
    );
    assert.deepEqual(values(await box.listMetadata(file, '', '')), {
      num1: '456',
      copy: 'abc',
      moved: 'abc',
    });
    // MetadataUpdateOrder sends add first (indices out of range are skipped).
    box.metadata = [
      item('later', '', Op.Remove),
      item('later', 'v', Op.Add),
      item('num1', '999', Op.Replace),
    ];
    box.config('MetadataUpdateOrder=1,0,7,2');
    await box.updateMetadata(file, 'global', 'properties');
    box.config('MetadataUpdateOrder=');
    assert.deepEqual(values(await box.listMetadata(file, '', '')), {
      num1: '999',
      copy: 'abc',
      moved: 'abc',
    });

    // A failing test operation: atomic, nothing changes.
    box.metadata = [item('num1', '1', Op.Replace), item('copy', 'not abc', Op.Test)];
    await rejectsWithCode(box.updateMetadata(file, '', ''), ErrorCode.ServerError);
    assert.equal(values(await box.listMetadata(file, '', '')).num1, '999');
  });

  it('fails with 701 when no item qualifies, and checks names before any request', async () => {
    const before = env.server.requestLog.length;
    box.metadata = [
      item('a', '1', Op.None),
      item('b', '1', Op.Replace, { resourceId: 'f:424242' }),
      item('c', '1', Op.Replace, { containerScope: scope }),
      item('d', '1', Op.Replace, { containerSchema: 'contract' }),
    ];
    const err = await rejectsWithCode(box.updateMetadata(file, '', ''), BoxErrorCode.NoMetadataToUpdate);
    assert.match(err.message, /modOp/);
    box.metadata = [item('$reserved', '1', Op.Add)];
    await rejectsWithCode(box.updateMetadata(file, '', ''), ErrorCode.InvalidArgument);
    await rejectsWithCode(box.createMetadata(file, 'global', 'contract'), ErrorCode.InvalidArgument);
    await rejectsWithCode(box.createMetadata(file, 'galaxy', 'properties'), ErrorCode.InvalidArgument);
    assert.equal(env.server.requestLog.length, before);
  });

  it('uses enterprise templates with typed values, lists every container, and deletes them', async () => {
    box.metadata = [
      item('customer', 'ACME', Op.Add),
      item('amount', '1234.5', Op.Add, { valueType: 1 }),
      item('status', 'draft', Op.Add),
      item('regions', 'emea,apac', Op.Add, { valueType: 2 }),
      item('signedAt', '2024-01-02T03:04:05Z', Op.Add),
      item('num1', 'not for this container', Op.Add, { containerScope: 'global' }),
    ];
    await box.createMetadata(file, scope, 'contract');
    const typed = await box.listMetadata(file, scope, 'contract');
    const byName = Object.fromEntries(typed.map((m) => [m.name, m]));
    assert.equal(byName.amount!.value, '1234.5');
    assert.equal(byName.amount!.valueType, 1);
    assert.equal(byName.regions!.value, 'emea,apac');
    assert.equal(byName.regions!.valueType, 2);
    assert.equal(byName.customer!.valueType, 0);
    assert.ok(typed.every((m) => m.containerScope === scope && m.containerSchema === 'contract'));

    byName.amount!.value = '99';
    byName.amount!.modOp = Op.Replace;
    byName.regions!.value = 'amer';
    byName.regions!.modOp = Op.Replace;
    await box.updateMetadata(file, scope, 'contract');
    const updated = values(await box.listMetadata(file, scope, 'contract'));
    assert.equal(updated.amount, '99');
    assert.equal(updated.regions, 'amer');
    // A value of the wrong type: Box's schema check (400), or ours before sending for numbers.
    box.metadata = [item('amount', 'lots', Op.Replace, { valueType: 1 })];
    await rejectsWithCode(box.updateMetadata(file, scope, 'contract'), ErrorCode.InvalidArgument);
    box.metadata = [item('amount', 'lots', Op.Replace)];
    await rejectsWithCode(box.updateMetadata(file, scope, 'contract'), ErrorCode.ServerError);

    // Empty scope and schema: every container.
    const all = await box.listMetadata(file, '', '');
    assert.deepEqual(
      [...new Set(all.map((m) => `${m.containerScope}/${m.containerSchema}`))].sort(),
      ['global/properties', `${scope}/contract`].sort(),
    );
    // Metadata on a folder too.
    const folder = await box.createFolder('meta-folder', '');
    box.metadata = [item('k', 'v', Op.Add)];
    await box.createMetadata(folder, '', '');
    assert.deepEqual(values(await box.listMetadata(folder, '', '')), { k: 'v' });

    await box.deleteMetadata(file, scope, 'contract');
    await box.deleteMetadata(file, '', '');
    assert.deepEqual(await box.listMetadata(file, '', ''), []);
    await rejectsWithCode(box.listMetadata(file, 'global', 'properties'), ErrorCode.InvalidRemoteId);
  });
});
