/** The common by-path interface, its adapters, and the copies, syncs and checks built on it. */
export * from './b2.js';
export * from './box.js';
export * from './compare.js';
export * from './copy.js';
export * from './crypt.js';
export * from './dropbox.js';
export * from './errors.js';
export * from './filter.js';
export * from './googledrive.js';
export * from './local.js';
export * from './paths.js';
export * from './rooted.js';
export * from './sync.js';
export type * from './types.js';
