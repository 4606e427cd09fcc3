import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PermissionListEvent } from '../../../src/providers/googledrive/index.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
  env.emulator.addUser('alice@example.com', 'Alice');
  env.emulator.addUser('bob@example.com', 'Bob');
  env.emulator.addUser('carol@example.com', 'Carol');
});
after(() => env.stop());

describe('permissions', () => {
  test('create through updatePermissions, list (paged), get; modOp goes back to 0; then update and delete', async () => {
    const d = env.client();
    const id = await d.uploadFile('shared.txt', '', { data: Buffer.from('s') });
    d.permissionCount = 0;
    d.permissionCount = 2;
    Object.assign(d.permissions[0]!, { email: 'alice@example.com', role: 0, type: 0, modOp: 1 });
    Object.assign(d.permissions[1]!, { email: 'bob@example.com', role: 2, type: 0, modOp: 1 });
    await d.updatePermissions(id);
    assert.deepEqual(
      d.permissions.map((p) => p.modOp),
      [0, 0],
    );
    assert.ok(d.permissions[0]!.id);

    const events: PermissionListEvent[] = [];
    d.on('permissionList', (e) => events.push(e));
    d.config('MaxPermissionResults=1');
    d.permissionMarker = '';
    do await d.listPermissions(id);
    while (d.permissionMarker);
    const byEmail = new Map(d.permissions.map((p) => [p.email, p]));
    assert.equal(byEmail.get('alice@example.com')!.role, 0);
    assert.equal(byEmail.get('bob@example.com')!.role, 2);
    assert.equal(byEmail.get('user@example.com')!.role, 3, 'the owner');
    assert.equal(events.length, d.permissionCount);

    const bob = byEmail.get('bob@example.com')!;
    const one = await d.getPermissionInfo(id, bob.id);
    assert.equal(one.email, 'bob@example.com');
    assert.equal(d.permissionCount, 1);

    d.config('MaxPermissionResults=-1');
    await d.listPermissions(id);
    const alice = d.permissions.find((p) => p.email === 'alice@example.com')!;
    alice.role = 1;
    alice.modOp = 2;
    d.permissions.find((p) => p.email === 'bob@example.com')!.modOp = 3;
    await d.updatePermissions(id);
    d.permissionMarker = '';
    await d.listPermissions(id);
    assert.deepEqual(d.permissions.map((p) => `${p.email}:${p.role}`).sort(), [
      'alice@example.com:1',
      'user@example.com:3',
    ]);
  });

  test('a batch that fails midway: the error names the index, later items are not tried, earlier ones are done', async () => {
    const d = env.client();
    const id = await d.uploadFile('batch.txt', '', { data: Buffer.from('b') });
    d.permissionCount = 0;
    d.permissionCount = 3;
    Object.assign(d.permissions[0]!, { email: 'alice@example.com', role: 0, modOp: 1 });
    Object.assign(d.permissions[1]!, { id: 'no-such-permission', role: 1, modOp: 2 });
    Object.assign(d.permissions[2]!, { email: 'carol@example.com', role: 0, modOp: 1 });
    const err = await rejection(d.updatePermissions(id));
    assert.match(err.message, /Permission 1 \(update\)/);
    assert.equal(err.code, 604);
    assert.deepEqual(
      d.permissions.map((p) => p.modOp),
      [0, 2, 1],
    );
    const emails = (await d.listPermissions(id)).permissions.map((p) => p.email);
    assert.ok(emails.includes('alice@example.com'));
    assert.ok(!emails.includes('carol@example.com'));
  });

  test('the owner role needs TransferOwnership; with it the old owner becomes a writer', async () => {
    const d = env.client();
    const id = await d.uploadFile('give-away.txt', '', { data: Buffer.from('g') });
    d.permissionCount = 0;
    d.permissionCount = 1;
    Object.assign(d.permissions[0]!, { email: 'carol@example.com', role: 3, modOp: 1 });
    const err = await rejection(d.updatePermissions(id));
    assert.match(err.message, /TransferOwnership/);
    assert.equal(d.permissions[0]!.modOp, 1);
    d.config('TransferOwnership=True');
    await d.updatePermissions(id);
    const roles = new Map((await d.listPermissions(id)).permissions.map((p) => [p.email, p.role]));
    assert.equal(roles.get('carol@example.com'), 3);
    assert.equal(roles.get('user@example.com'), 2);
  });

  test('domain and anyone permissions carry domain and allowFileDiscovery', async () => {
    const d = env.client();
    const id = await d.uploadFile('public.txt', '', { data: Buffer.from('p') });
    d.permissionCount = 0;
    d.permissionCount = 1;
    Object.assign(d.permissions[0]!, { type: 3, role: 0, allowFileDiscovery: false, modOp: 1 });
    await d.updatePermissions(id);
    const anyone = (await d.listPermissions(id)).permissions.find((p) => p.type === 3)!;
    assert.equal(anyone.role, 0);
    assert.equal(anyone.allowFileDiscovery, false);
  });
});

describe('shared-drive members', () => {
  test('add (returns the permission id), update the role, remove; bad roles and types are refused', async () => {
    const d = env.client();
    const drive = await d.createSharedDrive('members', 'members-req');
    const pid = await d.addSharedDriveMember(drive, 2, 0, 'alice@example.com');
    assert.ok(pid);
    let members = (await d.listPermissions(drive)).permissions;
    assert.equal(members.find((p) => p.id === pid)!.role, 2);
    await d.updateSharedDriveMember(drive, pid, 4);
    members = (await d.listPermissions(drive)).permissions;
    assert.equal(members.find((p) => p.id === pid)!.role, 4);
    await d.removeSharedDriveMember(drive, pid);
    members = (await d.listPermissions(drive)).permissions;
    assert.ok(!members.some((p) => p.id === pid));
    await assert.rejects(d.addSharedDriveMember(drive, 3, 0, 'bob@example.com'), /role must be/);
    await assert.rejects(
      d.addSharedDriveMember(drive, 0, 2, 'bob@example.com'),
      /user \(0\) or a group \(1\)/,
    );
  });
});
