import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Settings } from '../../src/core/config.js';
import { CloudStorageError } from '../../src/core/errors.js';
import { installXPath, JsonXPath, xpathSettings } from '../../src/core/json-xpath.js';

const doc = {
  firstlevel: { one: 'value', two: ['first', 'second', 'third'], three: 'value three', n: 42, t: true },
};

describe('JsonXPath', () => {
  it('navigates with the documented accessors', () => {
    const x = new JsonXPath(doc);
    x.path = '/json/firstlevel/one';
    assert.equal(x.text, 'value');
    assert.equal(x.element, 'one');
    assert.equal(x.parent, '/json/firstlevel');
    x.path = '/json/firstlevel/two/[2]';
    assert.equal(x.text, 'second');
    x.path = '/json/firstlevel/two/[last()]';
    assert.equal(x.text, 'third');
    x.path = '/json/firstlevel/two/[last()-2]';
    assert.equal(x.text, 'first');
    x.path = '..';
    assert.equal(x.element, 'two');
    assert.equal(x.childCount, 3);
    x.path = '../n';
    assert.equal(x.text, '42');
    x.path = '/json/*/t';
    assert.equal(x.text, 'true');
    x.path = '/json';
    assert.equal(x.subTree, JSON.stringify(doc));
    assert.equal(x.childName(0), 'firstlevel');
  });

  it('lists children by index from 0 and reports the canonical path', () => {
    const x = new JsonXPath(doc);
    x.path = '/json/firstlevel';
    assert.deepEqual(
      Array.from({ length: x.childCount }, (_, i) => x.childName(i)),
      ['one', 'two', 'three', 'n', 't'],
    );
    assert.equal(x.childText(1), JSON.stringify(['first', 'second', 'third']));
    x.path = 'two/[3]';
    assert.equal(x.path, '/json/firstlevel/two/[3]');
  });

  it('rejects paths that do not exist without moving', () => {
    const x = new JsonXPath(doc);
    x.path = '/json/firstlevel/one';
    assert.throws(() => {
      x.path = '/json/firstlevel/four';
    }, CloudStorageError);
    assert.throws(() => {
      x.path = '/json/firstlevel/two/[9]';
    }, /does not exist/);
    assert.throws(() => {
      x.path = '/other';
    }, /\/json/);
    assert.equal(x.element, 'one');
  });

  it('drives the X* config settings over a changing document', () => {
    const s = new Settings(xpathSettings);
    let body = JSON.stringify({
      entries: [
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ],
      total_count: 2,
    });
    installXPath(s, '', () => body);
    s.config('XPath=/json/entries/[2]/name');
    assert.equal(s.config('XText'), 'b');
    assert.equal(s.config('XElement'), 'name');
    assert.equal(s.config('XParent'), '/json/entries/[2]');
    s.config('XPath=/json/entries/[1]');
    assert.equal(s.config('XChildCount'), '2');
    assert.equal(s.config('XChildName[1]'), 'name');
    assert.equal(s.config('XChildXText[0]'), '1');
    assert.equal(s.config('XSubTree'), '{"id":"1","name":"a"}');
    body = JSON.stringify({ other: 1 });
    s.config('XPath=/json/other');
    assert.equal(s.config('XText'), '1');
  });
});
