import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { decryptionFailed } from './errors.js';
import { scryptKey } from './kdf.js';
import { BlockCutter, ByteQueue, type CryptoStreamOptions, CryptoTransform } from './stream-util.js';

/**
 * The age v1 file format (age-encryption.org/v1) with a single scrypt passphrase stanza, used in
 * password mode for algorithm 11 (ChaCha). Files round-trip with the `age` command line.
 *
 *   age-encryption.org/v1\n
 *   -> scrypt <salt: 16 bytes, base64> <log2 N>\n
 *   <file key wrapped with ChaCha20-Poly1305, 32 bytes, base64>\n
 *   --- <HMAC-SHA-256 of the header up to "---", base64>\n
 *   nonce (16 bytes) ‖ chunks
 *
 * Each chunk is 64 KiB of plaintext sealed with ChaCha20-Poly1305 under the payload key
 * HKDF-SHA-256(file key, salt = nonce, info = "payload"); the 12-byte chunk nonce is an 11-byte
 * big-endian counter and a final-chunk flag. Authenticated per chunk: nothing unauthenticated is
 * ever output, and a truncated file fails on its last chunk.
 */
export const AGE_VERSION_LINE = 'age-encryption.org/v1';
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
export const AGE_CHUNK_BYTES = 64 * 1024;
export const AGE_TAG_BYTES = 16;
const AGE_SEALED_CHUNK = AGE_CHUNK_BYTES + AGE_TAG_BYTES;
export const AGE_NONCE_BYTES = 16;
const FILE_KEY_BYTES = 16;
/** Password-mode headers are ~150 bytes; anything this long without a MAC line is not one. */
const MAX_HEADER_BYTES = 16 * 1024;
/** age's own ceiling for the scrypt work factor it will accept when decrypting. */
export const AGE_MAX_WORK_FACTOR = 22;

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64').replace(/=+$/, '');

/** Strict unpadded base64 as age requires: canonical encodings only. */
function fromB64(text: string, length: number): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return undefined;
  const data = Buffer.from(text, 'base64');
  return data.length === length && b64(data) === text ? data : undefined;
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

/** ChaCha20-Poly1305 of `plaintext` into `sealed` (ciphertext ‖ tag, plaintext.length + 16 bytes). */
function sealInto(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, sealed: Uint8Array): void {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AGE_TAG_BYTES });
  sealed.set(c.update(plaintext));
  c.final();
  sealed.set(c.getAuthTag(), plaintext.length);
}

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const sealed = Buffer.allocUnsafe(plaintext.length + AGE_TAG_BYTES);
  sealInto(key, nonce, plaintext, sealed);
  return sealed;
}

/**
 * Opens `sealed` (ciphertext ‖ tag) into `plaintext` (sealed.length − 16 bytes); false when it does
 * not authenticate. OpenSSL checks the tag in `final`, so `plaintext` holds unauthenticated bytes
 * until this returns true: callers output it only then.
 */
function openInto(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, plaintext: Uint8Array): boolean {
  if (sealed.length < AGE_TAG_BYTES) return false;
  try {
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: AGE_TAG_BYTES });
    d.setAuthTag(sealed.subarray(sealed.length - AGE_TAG_BYTES));
    plaintext.set(d.update(sealed.subarray(0, sealed.length - AGE_TAG_BYTES)));
    d.final();
    return true;
  } catch {
    return false;
  }
}

/** The plaintext, or undefined when authentication fails. */
function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < AGE_TAG_BYTES) return undefined;
  const plaintext = Buffer.allocUnsafe(sealed.length - AGE_TAG_BYTES);
  return openInto(key, nonce, sealed, plaintext) ? plaintext : undefined;
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6); // the 11-byte counter never needs more than its low 6 bytes here
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Length of the header this library writes for a given work factor (it depends on nothing else). */
export function ageHeaderBytes(logN: number): number {
  return `${AGE_VERSION_LINE}\n-> scrypt ${'A'.repeat(22)} ${logN}\n${'A'.repeat(43)}\n--- ${'A'.repeat(43)}\n`
    .length;
}

async function buildHeader(
  password: Uint8Array,
  logN: number,
  salt: Uint8Array,
  fileKey: Uint8Array,
): Promise<Buffer> {
  const wrapKey = await scryptKey(password, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), logN, 8, 32);
  const body = seal(wrapKey, Buffer.alloc(12), fileKey);
  const text = `${AGE_VERSION_LINE}\n-> scrypt ${b64(salt)} ${logN}\n${b64(body)}\n---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(text)
    .digest();
  return Buffer.from(`${text} ${b64(mac)}\n`, 'latin1');
}

/** Index just past the header's MAC line, or undefined if `head` does not contain all of it yet. */
export function findAgeHeaderEnd(head: Uint8Array): number | undefined {
  const text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  const macLine = text.indexOf('\n--- ');
  if (macLine < 0) return undefined;
  const end = text.indexOf('\n', macLine + 1);
  return end < 0 ? undefined : end + 1;
}

function notAge(detail: string) {
  return decryptionFailed(`This is not a passphrase-encrypted age file (${detail}).`);
}

/** Checks the start of a would-be age file early, so garbage fails fast instead of filling the buffer. */
function checkPrefix(head: Uint8Array): void {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 64)).toString('latin1');
  if (text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) {
    throw notAge('it is ASCII-armored; remove the armor first, e.g. with `age -d` on the command line');
  }
  const want = `${AGE_VERSION_LINE}\n`;
  if (!want.startsWith(text.slice(0, want.length)) && !text.startsWith(want)) {
    throw notAge('it does not start with "age-encryption.org/v1"');
  }
}

/** Parses and authenticates a complete header; returns the file key. */
export async function openAgeHeader(
  header: Uint8Array,
  password: Uint8Array,
  maxLogN: number,
): Promise<Buffer> {
  const text = Buffer.from(header.buffer, header.byteOffset, header.length).toString('latin1');
  const lines = text.split('\n');
  if (lines[0] !== AGE_VERSION_LINE) throw notAge('wrong version line');
  const stanzas: Array<{ args: string[]; body: string }> = [];
  let i = 1;
  while (i < lines.length && lines[i]!.startsWith('-> ')) {
    const args = lines[i]!.slice(3).split(' ');
    let body = '';
    for (i++; i < lines.length; i++) {
      body += lines[i];
      if (lines[i]!.length < 64) break;
    }
    i++;
    stanzas.push({ args, body });
  }
  const macLine = lines[i] ?? '';
  // The header handed in ends with the MAC line's newline, so that line is the last one.
  if (!macLine.startsWith('--- ') || i !== lines.length - 2) throw notAge('malformed header');
  const types = stanzas.map((s) => s.args[0]);
  if (!types.includes('scrypt')) {
    throw decryptionFailed(
      `This age file is encrypted to ${types.join(', ') || 'no'} recipient(s), not to a passphrase: ` +
        'decrypt it with its identity file (`age -d -i key.txt`).',
    );
  }
  if (stanzas.length !== 1) throw notAge('a scrypt stanza must be the only one in the header');
  const [, saltText = '', workText = ''] = stanzas[0]!.args;
  const salt = fromB64(saltText, 16);
  const body = fromB64(stanzas[0]!.body, 32);
  if (!salt || !body || stanzas[0]!.args.length !== 3 || !/^[1-9][0-9]?$/.test(workText)) {
    throw notAge('malformed scrypt stanza');
  }
  const logN = Number(workText);
  if (logN > maxLogN) {
    throw decryptionFailed(
      `The age file's scrypt work factor is ${logN}, above the limit of ${maxLogN}: raise EncryptionScryptWorkFactor ` +
        'if you trust this file.',
    );
  }
  const wrapKey = await scryptKey(password, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), logN, 8, 32);
  const fileKey = open(wrapKey, Buffer.alloc(12), body);
  if (!fileKey || fileKey.length !== FILE_KEY_BYTES) {
    throw decryptionFailed('Wrong password: it does not open the age file (its scrypt passphrase stanza).');
  }
  const mac = fromB64(macLine.slice(4), 32);
  const macEnd = text.length - macLine.length - 1 + 3; // up to and including "---"
  const expected = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(text.slice(0, macEnd), 'latin1')
    .digest();
  if (!mac || !timingSafeEqual(mac, expected))
    throw decryptionFailed('The age file header was modified (its MAC does not match).');
  return fileKey;
}

export interface AgeRandomness {
  /** scrypt salt, 16 bytes. */
  salt?: Uint8Array;
  /** File key, 16 bytes. */
  fileKey?: Uint8Array;
  /** Payload nonce, 16 bytes. */
  nonce?: Uint8Array;
}

export class AgeEncryptStream extends CryptoTransform {
  /** The random values this stream uses (secret: the file key decrypts the file). */
  readonly randomness: Required<AgeRandomness>;
  private payloadKey: Buffer | undefined;
  private readonly ready: Promise<void>;
  // A full chunk may be the last one, so one is always held back until more data or the end arrives.
  private readonly chunks = new BlockCutter(AGE_CHUNK_BYTES, AGE_SEALED_CHUNK, true);
  private counter = 0;

  constructor(password: Uint8Array, logN: number, random: AgeRandomness = {}) {
    super(false);
    const fileKey = random.fileKey ?? randomBytes(FILE_KEY_BYTES);
    const nonce = random.nonce ?? randomBytes(AGE_NONCE_BYTES);
    const salt = random.salt ?? randomBytes(16);
    this.randomness = { salt, fileKey, nonce };
    this.ready = buildHeader(password, logN, salt, fileKey).then((header) => {
      this.output(header);
      this.output(nonce);
      this.payloadKey = hkdf(fileKey, nonce, 'payload');
    });
    this.ready.catch(() => {});
  }

  private readonly sealChunk = (plaintext: Uint8Array, sealed: Uint8Array): boolean => {
    sealInto(this.payloadKey!, chunkNonce(this.counter++, false), plaintext, sealed);
    return true;
  };

  protected onData(chunk: Uint8Array): void | Promise<void> {
    if (!this.payloadKey) return this.ready.then(() => this.onData(chunk));
    this.output(this.chunks.cut(chunk, this.sealChunk));
  }

  protected async onEnd(): Promise<void> {
    await this.ready;
    this.output(seal(this.payloadKey!, chunkNonce(this.counter++, true), this.chunks.rest()));
  }
}

export interface AgePosition {
  /** Payload key, when the header was already read (seekable decryption). */
  payloadKey?: Buffer;
  /** Index of the first chunk in the input. */
  firstChunk?: number;
  /** Plaintext bytes to drop from the start of the first chunk. */
  skip?: number;
}

export class AgeDecryptStream extends CryptoTransform {
  private payloadKey: Buffer | undefined;
  /** The header while it arrives. */
  private readonly head = new ByteQueue();
  // More than one sealed chunk is needed to know that the first is not the last one.
  private readonly chunks = new BlockCutter(AGE_SEALED_CHUNK, AGE_CHUNK_BYTES, true);
  private counter: number;

  constructor(
    private readonly password: Uint8Array,
    private readonly maxLogN: number,
    position: AgePosition = {},
    options: CryptoStreamOptions = {},
  ) {
    super(true, options.ciphertextSize);
    this.payloadKey = position.payloadKey;
    this.counter = position.firstChunk ?? 0;
    this.skip = position.skip ?? 0;
  }

  private async readHeader(): Promise<void> {
    const head = this.head.peek(Math.min(this.head.length, MAX_HEADER_BYTES + AGE_NONCE_BYTES));
    checkPrefix(head);
    const end = findAgeHeaderEnd(head);
    if (end === undefined) {
      if (this.head.length > MAX_HEADER_BYTES) throw notAge('no header MAC line');
      return;
    }
    if (this.head.length < end + AGE_NONCE_BYTES) return;
    const header = this.head.take(end);
    const nonce = this.head.take(AGE_NONCE_BYTES);
    const fileKey = await openAgeHeader(header, this.password, this.maxLogN);
    this.payloadKey = hkdf(fileKey, nonce, 'payload');
  }

  /** Opens one chunk that is not the last; false (and nothing more is opened) when it does not authenticate. */
  private readonly openChunk = (sealed: Uint8Array, plain: Uint8Array): boolean => {
    if (!openInto(this.payloadKey!, chunkNonce(this.counter, false), sealed, plain)) return false;
    this.counter++;
    return true;
  };

  protected async onData(chunk: Uint8Array): Promise<void> {
    if (!this.payloadKey) {
      this.head.push(chunk);
      await this.readHeader();
      if (!this.payloadKey) return;
      chunk = this.head.takeAll();
    }
    // The chunks before a failing one are authentic: they are output before the error.
    this.output(this.chunks.cut(chunk, this.openChunk));
    if (this.chunks.stopped) {
      throw decryptionFailed(
        `Chunk ${this.counter} of the age file failed authentication: the file is corrupted or was modified.`,
      );
    }
  }

  protected onEnd(): void {
    if (!this.payloadKey) throw notAge('it ends inside the header: truncated');
    const plain = open(this.payloadKey, chunkNonce(this.counter, true), this.chunks.rest());
    if (!plain || (plain.length === 0 && this.counter > 0)) {
      throw decryptionFailed(
        'The age file is truncated or was modified: its last chunk does not authenticate as the final one.',
      );
    }
    this.output(plain);
  }
}

/** Reads the header and nonce at the start of an age file (`head`) for seekable decryption. */
export async function openAgeSeekable(
  head: Uint8Array,
  password: Uint8Array,
  maxLogN: number,
): Promise<{ payloadKey: Buffer; payloadOffset: number }> {
  checkPrefix(head);
  const end = findAgeHeaderEnd(head.subarray(0, MAX_HEADER_BYTES));
  if (end === undefined || head.length < end + AGE_NONCE_BYTES) {
    throw notAge('the first bytes given do not hold the whole header and nonce');
  }
  const fileKey = await openAgeHeader(head.subarray(0, end), password, maxLogN);
  return {
    payloadKey: hkdf(fileKey, head.subarray(end, end + AGE_NONCE_BYTES), 'payload'),
    payloadOffset: end + AGE_NONCE_BYTES,
  };
}
