import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Box } from '../providers/box/index.js';
import { consentBot } from './consent-bot.js';
import { startEmulators } from './serve.js';

export interface DemoResult {
  login: string;
  fileId: string;
  sharedLink: string;
  /** SHA-256 of the file uploaded and of the file downloaded back. */
  sentSha256: string;
  receivedSha256: string;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * The main job, end to end, offline: starts the Box emulator on 127.0.0.1 and drives the `Box` class
 * against it. Signs in with the OAuth 2.0 authorization-code grant and PKCE (the emulator's consent page,
 * answered by a scripted user; the redirect comes back to the library's loopback server, `state` is
 * checked), reads the account, creates a folder, uploads a 24 MB file through a Box upload session with
 * parallel parts and AES-256 encryption, lists the folder, downloads and decrypts the file, checks it byte
 * for byte, and shares it.
 */
export async function demo(
  print: (line: string) => void = console.log,
  sizeBytes = 24_000_000,
): Promise<DemoResult> {
  const running = await startEmulators({ services: ['box'], autoApprove: false, port: 0 });
  const server = running.servers[0]!.server;
  const work = await mkdtemp(join(tmpdir(), 'cloudstorage-demo-'));
  const box = new Box({
    apiUrl: `${server.url('api')}/2.0`,
    uploadUrl: `${server.url('upload')}/api/2.0`,
    oAuthClientId: 'box-emulator-client-id',
    oAuthClientSecret: 'box-emulator-client-secret',
    openBrowser: consentBot('allow'),
  });
  try {
    print(
      `Box emulator: api ${server.url('api')}, upload ${server.url('upload')}, download ${server.url('download')}`,
    );
    print('1. authorize(): authorization code + PKCE (S256), consent page answered by a scripted user');
    await box.authorize();
    print(`   signed in; refresh token ${box.oAuthRefreshToken ? 'received' : 'missing'}`);

    const account = await box.getAccountInfo();
    print(
      `2. getAccountInfo(): ${account.name} <${account.email}>, ${account.usedSpace} of ${account.totalSpace} bytes used`,
    );

    const folderId = await box.createFolder(`demo-${Date.now()}`, '');
    print(`3. createFolder(): ${folderId}`);

    const source = join(work, 'report.bin');
    await writeFile(source, randomBytes(sizeBytes));
    box.localFile = source;
    box.useResumableUpload = true;
    box.encryptionPassword = 'correct horse battery staple';
    let parts = 0;
    box.on('fragmentComplete', () => {
      parts++;
    });
    const fileId = await box.uploadFile('report.bin.enc', folderId);
    print(
      `4. uploadFile(): ${fileId}, ${sizeBytes} bytes, AES-256 encrypted, upload session of ${parts} parts`,
    );

    const page = await box.listResources(folderId);
    for (const r of page.resources)
      print(`5. listResources(): ${r.id} ${r.name} ${r.size} bytes, sha1 ${r.hash}`);

    const target = join(work, 'report.copy');
    await box.downloadFile(fileId, { localFile: target });
    const [sent, received] = await Promise.all([sha256(source), sha256(target)]);
    print(
      `6. downloadFile(): decrypted; SHA-256 ${received === sent ? 'matches' : 'DIFFERS FROM'} the original`,
    );

    box.config('CreateLinkAccess=0');
    const sharedLink = await box.createLink(fileId);
    print(`7. createLink(): ${sharedLink}`);
    return { login: account.email, fileId, sharedLink, sentSha256: sent, receivedSha256: received };
  } finally {
    await box.close();
    await running.stop();
    await rm(work, { recursive: true, force: true });
  }
}
