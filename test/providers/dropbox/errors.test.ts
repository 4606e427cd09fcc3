import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { type Env, rejection, startEnv } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(() => env.stop());

/**
 * "Not allowed" is not "not supported": Dropbox's permission refusals are 600 (the server refused, as Box's
 * 403 is), with the HTTP status and Dropbox's tags kept; 601 stays for what this account type lacks.
 */
describe('permission errors', () => {
  const refusals = [
    {
      route: '/2/files/upload',
      status: 409,
      error: { '.tag': 'path', reason: { '.tag': 'no_write_permission' }, upload_session_id: 'x' },
      summary: 'path/no_write_permission/.',
      call: (c: ReturnType<Env['client']>) => c.uploadFile('/ro/a.txt', { data: Buffer.from('a') }),
      providerCode: 'path/no_write_permission',
    },
    {
      route: '/2/files/delete_v2',
      status: 409,
      error: { '.tag': 'path_write', path_write: { '.tag': 'team_folder' } },
      summary: 'path_write/team_folder/',
      call: (c: ReturnType<Env['client']>) => c.deleteResource('/Team'),
      providerCode: 'path_write/team_folder',
    },
    {
      route: '/2/files/get_metadata',
      status: 409,
      error: { '.tag': 'path', path: { '.tag': 'restricted_content' } },
      summary: 'path/restricted_content/',
      call: (c: ReturnType<Env['client']>) => c.getResourceInfo('/legal-hold.pdf'),
      providerCode: 'path/restricted_content',
    },
    {
      route: '/2/files/list_folder',
      status: 403,
      error: { '.tag': 'no_permission', no_permission: { '.tag': 'unauthorized_account_id_usage' } },
      summary: 'no_permission/unauthorized_account_id_usage/',
      call: (c: ReturnType<Env['client']>) => c.listResources(''),
      providerCode: 'no_permission/unauthorized_account_id_usage',
    },
    {
      route: '/2/files/list_folder',
      status: 403,
      error: { '.tag': 'team_access_denied' },
      summary: 'team_access_denied/',
      call: (c: ReturnType<Env['client']>) => c.listResources(''),
      providerCode: 'team_access_denied',
    },
  ];
  for (const r of refusals) {
    test(`${r.status} ${r.providerCode} is 600, not 601`, async () => {
      env.server.faults.add({
        path: r.route,
        status: r.status,
        body: { error_summary: r.summary, error: r.error },
      });
      const err = await rejection(r.call(env.client()));
      assert.equal(err.code, ErrorCode.ServerError);
      assert.notEqual(err.code, ErrorCode.UnsupportedOperation);
      assert.equal(err.httpStatus, r.status);
      assert.equal(err.providerCode, r.providerCode);
      assert.match(err.message, /does not allow|may not/);
    });
  }

  test('what the account type lacks (403 invalid_account_type) stays 601', async () => {
    env.server.faults.add({
      path: '/2/files/list_folder',
      status: 403,
      body: {
        error_summary: 'invalid_account_type/feature/',
        error: { '.tag': 'invalid_account_type', invalid_account_type: { '.tag': 'feature' } },
      },
    });
    const err = await rejection(env.client().listResources(''));
    assert.equal(err.code, ErrorCode.UnsupportedOperation);
    assert.equal(err.httpStatus, 403);
  });
});
