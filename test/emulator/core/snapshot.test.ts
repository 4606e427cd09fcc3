import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSnapshot, encodeSnapshot, restoreFields } from '../../../src/emulator/core/snapshot.js';

class Folder {
  constructor(
    public name: string,
    public parent?: Folder,
  ) {}
  path(): string {
    return this.parent ? `${this.parent.path()}/${this.name}` : this.name;
  }
}

describe('emulator state snapshots', () => {
  it('keeps Maps, Sets, Dates, bytes, undefined, shared records and cycles, and class prototypes', () => {
    const root = new Folder('root');
    const child = new Folder('child', root);
    const shared = { id: 'v1', size: 3 };
    const state = {
      byId: new Map<string, unknown>([
        ['a', shared],
        [
          'b',
          {
            version: shared,
            at: new Date(1_700_000_000_000),
            bytes: Buffer.from([1, 2, 3]),
            gone: undefined,
          },
        ],
      ]),
      tags: new Set(['x', 'y']),
      tree: child,
      list: [1, 'two', null],
    };
    const back = decodeSnapshot(encodeSnapshot(state, { Folder }), { Folder }) as typeof state;
    const b = back.byId.get('b') as { version: unknown; at: Date; bytes: Buffer; gone: unknown };
    assert.equal(b.version, back.byId.get('a'), 'a record in two places is one record again');
    assert.equal(b.at.getTime(), 1_700_000_000_000);
    assert.deepEqual([...b.bytes], [1, 2, 3]);
    assert.ok('gone' in b && b.gone === undefined);
    assert.deepEqual([...back.tags], ['x', 'y']);
    assert.ok(back.tree instanceof Folder);
    assert.equal(back.tree.path(), 'root/child', 'the parent link and the prototype came back');
    assert.deepEqual(back.list, [1, 'two', null]);
  });

  it('refuses what would not come back: functions and unregistered classes', () => {
    assert.throws(() => encodeSnapshot({ now: () => 1 }), /cannot keep the function at state\.now/);
    assert.throws(
      () => encodeSnapshot({ f: new Folder('x') }),
      /cannot keep an instance of Folder at state\.f/,
    );
  });

  it('restores into live objects: the same Map and array, refilled', () => {
    const live = { items: new Map([['old', 1]]), changes: [1, 2, 3], seq: 5 };
    const items = live.items;
    const changes = live.changes;
    restoreFields(live, { items: new Map([['new', 2]]), changes: [9], seq: 42 });
    assert.equal(live.items, items);
    assert.deepEqual([...items], [['new', 2]]);
    assert.equal(live.changes, changes);
    assert.deepEqual(changes, [9]);
    assert.equal(live.seq, 42);
  });
});
