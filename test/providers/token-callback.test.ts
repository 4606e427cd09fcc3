/**
 * Tokens from the application, for every class (core accessTokenCallback): a developer token renewed by
 * the callback when the service says it expired (Box SDK's get_new_token_callback), and a remote token
 * source with no token at all (RemoteOAuth2), against the Box, Dropbox and Drive emulators.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudStorageError, ErrorCode } from '../../src/core/errors.js';
import { BackblazeB2 } from '../../src/providers/b2/index.js';
import { rejectsWith } from '../helpers/rejects.js';
import { type BoxEnv, startBoxEnv } from './box/helpers.js';
import { type Env as DropboxEnv, startEnv as startDropbox } from './dropbox/helpers.js';
import { type Env as DriveEnv, startEnv as startDrive } from './googledrive/helpers.js';

describe('accessTokenCallback', () => {
  let box: BoxEnv;
  let dropbox: DropboxEnv;
  let drive: DriveEnv;

  before(async () => {
    [box, dropbox, drive] = await Promise.all([startBoxEnv(), startDropbox(), startDrive()]);
  });
  after(async () => {
    await Promise.all([box.close(), dropbox.stop(), drive.stop()]);
  });

  it('Box: a developer token, renewed by the callback when Box says it expired', async () => {
    const developerToken = box.emulator.issueToken();
    const calls: Array<string | undefined> = [];
    const client = box.box({
      authorization: '',
      oAuthAccessToken: developerToken,
      accessTokenCallback: (expired) => {
        calls.push(expired);
        return box.emulator.issueToken();
      },
    });
    await client.getAccountInfo();
    assert.deepEqual(calls, [], 'the developer token is used as long as it works');
    box.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    await client.getAccountInfo();
    assert.deepEqual(calls, [developerToken]);
    assert.notEqual(client.oAuthAccessToken, developerToken);
  });

  it('Box: without a callback, an expired developer token is a clear 603', async () => {
    const client = box.box({ authorization: '', oAuthAccessToken: box.emulator.issueToken() });
    box.server.faults.add({ path: '/2.0/users/me', expiredToken: true });
    const err = await rejectsWith(client.getAccountInfo(), ErrorCode.InvalidCredentials);
    assert.equal(err.httpStatus, 401);
  });

  it('Dropbox: a remote token source, asked for the first token and after an expiry', async () => {
    const calls: Array<string | undefined> = [];
    const client = dropbox.client({
      authorization: '',
      accessTokenCallback: async (expired) => {
        calls.push(expired);
        const { accessToken, expiresIn } = dropbox.emulator.issueToken();
        return { accessToken, expiresIn };
      },
    });
    await client.getAccountInfo();
    assert.equal(calls.length, 1);
    assert.equal(calls[0], undefined);
    const first = client.oAuthAccessToken;
    dropbox.server.faults.add({ path: '/2/users/get_current_account', expiredToken: true });
    await client.getAccountInfo();
    assert.deepEqual(calls.slice(1), [first]);
  });

  it('GoogleDrive: a failing callback, or one that hands back the refused token, is 603 and not retried', async () => {
    let calls = 0;
    const failing = drive.client({
      authorization: '',
      accessTokenCallback: () => {
        calls++;
        throw new Error('the token service is down');
      },
    });
    const err = await rejectsWith(failing.getAccountInfo(), ErrorCode.InvalidCredentials);
    assert.match(err.message, /the token service is down/);
    assert.equal(calls, 1);

    const stale = drive.emulator.issueToken().accessToken;
    let staleCalls = 0;
    const stubborn = drive.client({
      authorization: '',
      oAuthAccessToken: stale,
      accessTokenCallback: () => {
        staleCalls++;
        return stale;
      },
    });
    drive.server.faults.add({ path: '/drive/v3/about', expiredToken: true });
    const again = await rejectsWith(stubborn.getAccountInfo(), ErrorCode.InvalidCredentials);
    assert.match(again.message, /must return a new one/);
    assert.equal(staleCalls, 1);
  });

  it('BackblazeB2: refused, B2 signs in with application keys', () => {
    assert.throws(
      () => new BackblazeB2({ accessTokenCallback: () => 'x' }),
      (e: CloudStorageError) => e.code === ErrorCode.UnsupportedOperation && /applicationKey/.test(e.message),
    );
  });
});
