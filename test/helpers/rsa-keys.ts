import { generateKeyPairSync } from 'node:crypto';

export interface RsaKeyPair {
  /** SPKI PEM: what a service's console registers. */
  publicKey: string;
  /** PKCS#8 PEM, encrypted with `passphrase` when one was given. */
  privateKey: string;
  passphrase: string | undefined;
}

/** A fresh RSA key pair for a sign-in test (2048 bits, what the services' consoles make). */
export function rsaKeyPair(passphrase?: string): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase
      ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }
      : { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey, privateKey, passphrase };
}
