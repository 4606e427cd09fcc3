// The measured side of bench/remote-copy.ts on the built library (dist/, `npm run build`): plain Node, no
// TypeScript compiler in the process, so its peak RSS is the library's own. Arguments: the emulators'
// endpoints (JSON) and the fragment size in MiB; with `idle`, loads the library and does nothing.
import { Dropbox, GoogleDrive, remote } from '../../dist/index.js';

const MiB = 1024 * 1024;
const [, , mode, json, fragment] = process.argv;
if (mode === 'copy') {
  const e = JSON.parse(json);
  const fragmentSize = Number(fragment) * MiB;
  const dropbox = new remote.DropboxRemote(
    new Dropbox({
      apiBaseUrl: e.dropbox.api,
      contentBaseUrl: e.dropbox.content,
      notifyBaseUrl: e.dropbox.notify,
      authorization: `Bearer ${e.dropbox.token}`,
      fragmentSize,
    }),
  );
  const drive = new remote.GoogleDriveRemote(
    new GoogleDrive({
      apiUrl: `${e.drive.api}/drive/v3`,
      uploadUrl: `${e.drive.api}/upload/drive/v3`,
      authorization: `Bearer ${e.drive.token}`,
      fragmentSize,
    }),
  );
  const started = process.hrtime.bigint();
  await remote.copyFile(dropbox, 'bench/source.bin', drive, 'bench/copy.bin');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([dropbox.close(), drive.close()]);
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}
