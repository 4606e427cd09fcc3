/**
 * A separate process for large-resume.test.ts: uploads a local file with BackblazeB2 against the emulator
 * given on the command line, printing one JSON line per finished part (with the resume state, as an
 * application would persist it), and a last line with the file id. With a state and a startByte it
 * resumes an upload another process started.
 *
 * argv: authURL keyId key bucketId localFile fileName userAgent [resumableUploadState startByte]
 */
import { BackblazeB2 } from '../../../src/providers/b2/index.js';

const [authURL, keyId, key, bucketId, localFile, fileName, userAgent, state, startByte] =
  process.argv.slice(2);
const b2 = new BackblazeB2({
  authURL: authURL!,
  applicationKeyId: keyId!,
  applicationKey: key!,
  userAgent: userAgent!,
  retryBaseDelayMs: 5,
});
await b2.authorize();
b2.config('FragmentSize=10485760');
b2.config('SimpleUploadLimit=10485760');
b2.config('UploadConcurrency=2');
if (state) {
  b2.config(`ResumableUploadState=${state}`);
  b2.startByte = Number(startByte);
}
b2.on('fragmentComplete', (e) => {
  process.stdout.write(
    `${JSON.stringify({ part: e.fragmentNumber, state: b2.config('ResumableUploadState'), startByte: b2.startByte })}\n`,
  );
});
const id = await b2.uploadFile(bucketId!, fileName!, { localFile: localFile! });
process.stdout.write(
  `${JSON.stringify({ done: id, state: b2.config('ResumableUploadState'), startByte: b2.startByte })}\n`,
);
await b2.close();
