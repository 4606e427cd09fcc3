import { call, startHarness } from './helpers.js';

const h = await startHarness();
try {
  let r = await call(h, 'POST', '/drive/v3/drives', {
    query: { requestId: 'abc', fields: 'id,name,capabilities' },
    json: { name: 'T' },
  });
  console.log(r.status, r.text.slice(0, 300));
  const f = await h.drive.addFile({ name: 'x', content: 'abc' });
  r = await call(h, 'POST', `/drive/v3/files/${f.id}/permissions`, {
    json: { type: 'user', role: 'reader', emailAddress: 'friend@example.com' },
  });
  const pid = r.json().id;
  r = await call(h, 'PATCH', `/drive/v3/files/${f.id}/permissions/${pid}`, {
    query: { transferOwnership: true },
    json: { role: 'owner' },
  });
  console.log(r.status, r.text);
  r = await call(h, 'GET', `/drive/v3/files/${f.id}`, { query: { fields: 'owners,ownedByMe,permissions' } });
  console.log(r.status, r.text);
} finally {
  await h.stop();
}
