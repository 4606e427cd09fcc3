export { fixedSizeParts, readAhead, runParallel } from './chunks.js';
export { deliverBody } from './deliver.js';
export { type Fragment, FragmentFeed, type FragmentFeedOptions, type FragmentHashing } from './fragments.js';
export { DROPBOX_HASH_BLOCK, DropboxContentHasher, HashingStream, type HashName, hashBytes } from './hash.js';
export {
  type StreamingHash,
  type StreamingHashName,
  type StreamingHashOptions,
  setHashThreads,
  streamingHash,
} from './hash-thread.js';
export { type HashedPart, rangeParts, spooledParts, type WholeSha1 } from './hashed-parts.js';
export { sessionRandomness } from './session-randomness.js';
export { type DownloadSink, type DownloadTarget, openDownloadSink } from './sink.js';
export {
  bytesSource,
  byteWindow,
  fileSource,
  streamSource,
  type UploadData,
  type UploadSource,
  uploadInput,
  uploadSource,
} from './source.js';
export { openUploadBytes } from './upload-bytes.js';
export { type UploadSessionState, UploadSessions } from './upload-sessions.js';
