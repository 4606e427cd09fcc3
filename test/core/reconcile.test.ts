import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudStorageError, ErrorCode } from '../../src/core/errors.js';
import { isOutcomeUnknown, keepsSessionForResume, sendReconciled } from '../../src/core/reconcile.js';
import { makeClient } from './http/helpers.js';

const reset = () => new CloudStorageError(ErrorCode.ConnectionReset, 'reset');
const status = (httpStatus: number) => new CloudStorageError(600, `HTTP ${httpStatus}`, { httpStatus });

describe('sendReconciled (reconcile before repeat)', () => {
  const { client } = makeClient({ settings: ['MaxRetries=3', 'RetryBaseDelayMs=1', 'RetryMaxDelayMs=2'] });

  /** A call whose attempts fail with `failures` in turn, then succeed; `done` says what reconcile finds. */
  function call(failures: CloudStorageError[], done: (n: number) => string | undefined, repeatable = true) {
    const log: string[] = [];
    let sent = 0;
    let asked = 0;
    return {
      log,
      call: {
        repeatable,
        async send() {
          log.push(`send ${++sent}`);
          const failure = failures.shift();
          if (failure) throw failure;
          return 'sent';
        },
        async reconcile() {
          log.push(`reconcile ${++asked}`);
          return done(asked);
        },
      },
    };
  }

  it('asks the service before repeating, and repeats only what did not happen', async () => {
    const found = call([reset()], () => 'found');
    assert.equal(await sendReconciled(client, found.call), 'found');
    assert.deepEqual(found.log, ['send 1', 'reconcile 1']);

    const missing = call([status(503), reset()], () => undefined);
    assert.equal(await sendReconciled(client, missing.call), 'sent');
    assert.deepEqual(missing.log, ['send 1', 'reconcile 1', 'send 2', 'reconcile 2', 'send 3']);
  });

  it('throws a final failure at once, gives up after MaxRetries, and never repeats a one-shot body', async () => {
    const refused = call([status(409)], () => 'never');
    await assert.rejects(sendReconciled(client, refused.call), { message: 'HTTP 409' });
    assert.deepEqual(refused.log, ['send 1']);

    const always = call([reset(), reset(), reset(), reset(), reset()], () => undefined);
    await assert.rejects(sendReconciled(client, always.call), { code: ErrorCode.ConnectionReset });
    assert.equal(always.log.filter((l) => l.startsWith('send')).length, 4, 'the first send and 3 repeats');

    const once = call([reset()], () => undefined, false);
    await assert.rejects(sendReconciled(client, once.call), { code: ErrorCode.ConnectionReset });
    assert.deepEqual(once.log, ['send 1', 'reconcile 1']);
  });

  it('sorts failures: unknown outcome, and what keeps a session for a resume', () => {
    assert.equal(isOutcomeUnknown(reset()), true);
    assert.equal(isOutcomeUnknown(new CloudStorageError(ErrorCode.Timeout, 'stalled')), true);
    assert.equal(isOutcomeUnknown(status(500)), true);
    assert.equal(isOutcomeUnknown(status(429)), false, 'a 429 was not run');
    assert.equal(isOutcomeUnknown(status(400)), false);
    assert.equal(isOutcomeUnknown(new CloudStorageError(ErrorCode.Interrupted, 'stop')), false);
    assert.equal(keepsSessionForResume(new CloudStorageError(ErrorCode.Interrupted, 'stop')), true);
    assert.equal(keepsSessionForResume(status(429)), true);
    assert.equal(keepsSessionForResume(reset()), true);
    assert.equal(keepsSessionForResume(status(400)), false);
    assert.equal(keepsSessionForResume(new CloudStorageError(ErrorCode.CannotResume, 'changed')), false);
  });

  it("keeps a session whose call the caller's signal stopped, whatever error surfaced first", () => {
    const stop = new AbortController();
    stop.abort();
    // Inside a call an abort surfaces as the signal's reason (a DOMException here), not yet error 301.
    assert.equal(keepsSessionForResume(stop.signal.reason, stop.signal), true);
    assert.equal(keepsSessionForResume(status(400), stop.signal), true);
    assert.equal(keepsSessionForResume(stop.signal.reason, new AbortController().signal), false);
  });
});
