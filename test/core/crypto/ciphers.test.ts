/**
 * Known-answer tests for every hand-written cipher, with the published vectors of each algorithm:
 * Schneier's Blowfish vectors (Eric Young's set), RFC 2144 (CAST-128), FIPS 46 examples (DES), the
 * IDEA vectors of Lai's thesis as collected by Botan, RFC 2268 (RC2), RFC 6229 (RC4), the TEA vectors
 * of Simon Shepherd's reference, the Twofish paper's tables, and Brian Gladman's Rijndael vectors for
 * every block length. Stream ciphers that Node or @noble provide are checked through the library's
 * raw mode (RFC 8439 for ChaCha20, NaCl's test for XSalsa20).
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { Blowfish, piFractionWords } from '../../../src/core/crypto/ciphers/blowfish.js';
import { Cast128 } from '../../../src/core/crypto/ciphers/cast128.js';
import { Des } from '../../../src/core/crypto/ciphers/des.js';
import { Idea } from '../../../src/core/crypto/ciphers/idea.js';
import { Rc2 } from '../../../src/core/crypto/ciphers/rc2.js';
import { Rc4 } from '../../../src/core/crypto/ciphers/rc4.js';
import { Rijndael } from '../../../src/core/crypto/ciphers/rijndael.js';
import { Tea } from '../../../src/core/crypto/ciphers/tea.js';
import { Twofish } from '../../../src/core/crypto/ciphers/twofish.js';
import type { BlockCipher } from '../../../src/core/crypto/ciphers/types.js';
import { createDecryptStream, createEncryptStream } from '../../../src/core/crypto/index.js';
import { hex, random, through } from './helpers.js';

/** Encrypts `pt` block by block, checks it gives `ct`, and that decryption gives `pt` back. */
function kat(cipher: BlockCipher, pt: string, ct: string): void {
  const data = hex(pt);
  for (let o = 0; o < data.length; o += cipher.blockSize) cipher.encryptBlock(data, o);
  assert.equal(data.toString('hex'), ct.toLowerCase(), `encrypt ${pt}`);
  for (let o = 0; o < data.length; o += cipher.blockSize) cipher.decryptBlock(data, o);
  assert.equal(data.toString('hex'), pt.toLowerCase(), `decrypt ${ct}`);
}

describe('Blowfish', () => {
  it('derives its initial tables from the digits of pi', () => {
    const w = piFractionWords(18 + 1024);
    assert.equal(w[0], 0x243f6a88); // P1
    assert.equal(w[17], 0x8979fb1b); // P18
    assert.equal(w[18], 0xd1310ba6); // S1[0]
    assert.equal(w[18 + 1023], 0x3ac372e6); // S4[255]
  });

  it('matches the published vectors (key lengths 1 to 24 bytes)', () => {
    const vectors: Array<[string, string, string]> = [
      ['0000000000000000', '0000000000000000', '4EF997456198DD78'],
      ['FFFFFFFFFFFFFFFF', 'FFFFFFFFFFFFFFFF', '51866FD5B85ECB8A'],
      ['3000000000000000', '1000000000000001', '7D856F9A613063F2'],
      ['0123456789ABCDEF', '1111111111111111', '61F9C3802281B096'],
      ['FEDCBA9876543210', '0123456789ABCDEF', '0ACEAB0FC6A0A28D'],
      ['584023641ABA6176', '004BD6EF09176062', '452031C1E4FADA8E'],
      ['F0', 'FEDCBA9876543210', 'F9AD597C49DB005E'],
      ['F0E1D2C3B4A59687', 'FEDCBA9876543210', 'E87A244E2CC85E82'],
      ['F0E1D2C3B4A5968778695A4B3C2D1E0F00', 'FEDCBA9876543210', '03429E838CE2D14B'],
      ['F0E1D2C3B4A5968778695A4B3C2D1E0F0011223344556677', 'FEDCBA9876543210', '05044B62FA52D080'],
      ['6162636465666768696A6B6C6D6E6F707172737475767778797A', '424C4F5746495348', '324ED0FEF413A203'],
    ];
    for (const [key, pt, ct] of vectors) kat(new Blowfish(hex(key)), pt, ct);
  });

  it('takes keys up to 448 bits', () => {
    assert.throws(() => new Blowfish(new Uint8Array(57)), RangeError);
    const c = new Blowfish(new Uint8Array(56).fill(7));
    const block = Buffer.alloc(8);
    c.encryptBlock(block, 0);
    c.decryptBlock(block, 0);
    assert.deepEqual(block, Buffer.alloc(8));
  });
});

describe('CAST-128 (RFC 2144)', () => {
  it('matches the B.1 single-key vector and the published vector set', () => {
    kat(new Cast128(hex('0123456712345678234567893456789A')), '0123456789ABCDEF', '238B4FE5847E44B2');
    kat(new Cast128(hex('51D35D2CFC978231CC8D404C05F20778')), '0D5ED4BF2C101A00', '851769123481EEBD');
    kat(new Cast128(hex('3148F2F7A5EC9832C918B3FCE3A882D4')), 'D6AA8EAE1E559AAE', 'C7FAFAFC64204DDE');
    kat(new Cast128(hex('9F79CA83F4FDCCACA166BF18BF1B0CC2')), '8420D1986EBBABFC', 'EAACBF83A093CB44');
  });
});

describe('DES (FIPS 46)', () => {
  it('matches the published examples', () => {
    kat(new Des(hex('133457799BBCDFF1')), '0123456789ABCDEF', '85E813540F0AB405');
    kat(new Des(hex('0123456789ABCDEF')), '4E6F772069732074', '3FA40E8A984D4815'); // "Now is t"
    kat(new Des(hex('0000000000000000')), '0000000000000000', '8CA64DE9C1B123A7');
    kat(new Des(hex('FFFFFFFFFFFFFFFF')), 'FFFFFFFFFFFFFFFF', '7359B2163E4EDC58');
    kat(new Des(hex('3000000000000000')), '1000000000000001', '958E6E627A05557B');
  });

  it('agrees with Node’s Triple DES when used as EDE with three keys', () => {
    const keys = random(24);
    const block = random(8);
    const ours = Buffer.from(block);
    new Des(keys.subarray(0, 8)).encryptBlock(ours, 0);
    new Des(keys.subarray(8, 16)).decryptBlock(ours, 0);
    new Des(keys.subarray(16, 24)).encryptBlock(ours, 0);
    const node = createCipheriv('des-ede3-ecb', keys, null).setAutoPadding(false).update(block);
    assert.deepEqual(ours, node);
  });
});

describe('IDEA', () => {
  it('matches the published vectors', () => {
    kat(new Idea(hex('00010002000300040005000600070008')), '0000000100020003', '11FBED2B01986DE5');
    kat(new Idea(hex('00010002000300040005000600070008')), '0102030405060708', '540E5FEA18C2F8B1');
    kat(new Idea(hex('729A27ED8F5C3E8BAF16560D14C90B43')), 'D53FABBF94FF8B5F', '1D0CB2AF1654820A');
    kat(new Idea(hex('00000000000000000000000000000000')), '0000000000000000', '0001000100000000');
    kat(new Idea(hex('D5D5D5D5D5D5D5D5D5D5D5D5D5D5D5D5')), 'D5D5D5D5D5D5D5D5', '75F7C7005EA47839');
    kat(new Idea(hex('3A984E2000195DB32EE501C8C47CEA60')), '0102030405060708', '97BCD8200780DA86');
  });
});

describe('RC2 (RFC 2268)', () => {
  it('matches all eight vectors of section 5', () => {
    const vectors: Array<[string, number, string, string]> = [
      ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
      ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
      ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
      ['88', 64, '0000000000000000', '61a8a244adacccf0'],
      ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
      ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
      ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
      [
        '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e',
        129,
        '0000000000000000',
        '5b78d3a43dfff1f1',
      ],
    ];
    for (const [key, bits, pt, ct] of vectors) kat(new Rc2(hex(key), bits), pt, ct);
  });
});

describe('RC4 (RFC 6229)', () => {
  const keystream = (key: Uint8Array, n: number) => Buffer.from(new Rc4(key).process(new Uint8Array(n)));

  it('matches the 40-bit key vectors at several offsets', () => {
    const ks = keystream(hex('0102030405'), 272);
    assert.equal(ks.subarray(0, 16).toString('hex'), 'b2396305f03dc027ccc3524a0a1118a8');
    assert.equal(ks.subarray(16, 32).toString('hex'), '6982944f18fc82d589c403a47a0d0919');
    assert.equal(ks.subarray(240, 256).toString('hex'), '28cb1132c96ce286421dcaadb8b69eae');
    assert.equal(ks.subarray(256, 272).toString('hex'), '1cfcf62b03eddb641d77dfcf7f8d8c93');
  });

  it('gives a 2048-bit key made of a repeated short key the short key’s keystream', () => {
    const short = hex('0102030405');
    const long = Uint8Array.from({ length: 256 }, (_, i) => short[i % short.length]!);
    assert.deepEqual(keystream(long, 1024), keystream(short, 1024));
  });

  it('matches the classic "Attack at dawn" example, in pieces', () => {
    const rc4 = new Rc4(Buffer.from('Secret'));
    const a = rc4.process(Buffer.from('Attack'));
    const b = rc4.process(Buffer.from(' at dawn'));
    assert.equal(Buffer.concat([a, b]).toString('hex'), '45a01f645fc35b383552544b9bf5');
  });
});

describe('TEA', () => {
  it('matches the reference vectors', () => {
    kat(new Tea(hex('00000000000000000000000000000000')), '0000000000000000', '41ea3a0a94baa940');
    kat(new Tea(hex('00000000000000000000000000000000')), '0102030405060708', '6a2f9cf3fccf3c55');
    kat(new Tea(hex('0123456712345678234567893456789A')), '0000000000000000', '34e943b0900f5dcb');
    kat(new Tea(hex('0123456712345678234567893456789A')), '0102030405060708', '773dc179878a81c0');
  });
});

describe('Twofish', () => {
  it('matches the paper’s 256-bit vectors', () => {
    kat(
      new Twofish(new Uint8Array(32)),
      '00000000000000000000000000000000',
      '57FF739D4DC92C1BD7FC01700CC8216F',
    );
    kat(
      new Twofish(hex('0123456789ABCDEFFEDCBA987654321000112233445566778899AABBCCDDEEFF')),
      '00000000000000000000000000000000',
      '37527BE0052334B89F0CFCCAE87CFA20',
    );
    kat(
      new Twofish(hex('248A7F3528B168ACFDD1386E3F51E30C2E2158BC3E5FC714C1EEECA0EA696D48')),
      '431058F4DBC7F734DA4F02F04CC4F459',
      '37FE26FF1CF66175F5DDF4C33B97A205',
    );
  });

  it('passes the 49-step chained table of the reference submission (ecb_tbl, KEYSIZE=256)', () => {
    let key: Buffer = Buffer.alloc(32);
    let plain: Buffer = Buffer.alloc(16);
    for (let i = 0; i < 49; i++) {
      const c = new Twofish(key);
      key = Buffer.concat([plain, key]).subarray(0, 32);
      const next = Buffer.from(plain);
      c.encryptBlock(next, 0);
      plain = next;
    }
    assert.equal(plain.toString('hex'), '37fe26ff1cf66175f5ddf4c33b97a205');
  });
});

describe('Rijndael', () => {
  const pt = '3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c8';
  const key = '2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe';

  it('matches Gladman’s vectors for a 256-bit block and every key length', () => {
    const expected: Record<number, string> = {
      16: '7d15479076b69a46ffb3b3beae97ad8313f622f67fedb487de9f06b9ed9c8f19',
      20: '514f93fb296b5ad16aa7df8b577abcbd484decacccc7fb1f18dc567309ceeffd',
      24: '5d7101727bb25781bf6715b0e6955282b9610e23a43c2eb062699f0ebf5887b2',
      28: 'd56c5a63627432579e1dd308b2c8f157b40a4bfb56fea1377b25d3ed3d6dbf80',
      32: 'a49406115dfb30a40418aafa4869b7c6a886ff31602a7dd19c889dc64f7e4e7a',
    };
    for (const [bytes, ct] of Object.entries(expected)) {
      kat(new Rijndael(hex(key.slice(0, Number(bytes) * 2)), 32), pt, ct);
    }
  });

  it('matches the 160- and 224-bit block vectors, and AES', () => {
    kat(new Rijndael(hex(key.slice(0, 32)), 20), pt.slice(0, 40), '16e73aec921314c29df905432bc8968ab64b1f51');
    kat(
      new Rijndael(hex(key), 28),
      pt.slice(0, 56),
      '02fafc200176ed05deb8edb82a3555b0b10d47a388dfd59cab2f6c11',
    );
    const aesKey = random(32);
    const blocks = random(64);
    const ours = Buffer.from(blocks);
    const r = new Rijndael(aesKey, 16);
    for (let o = 0; o < 64; o += 16) r.encryptBlock(ours, o);
    assert.deepEqual(ours, createCipheriv('aes-256-ecb', aesKey, null).setAutoPadding(false).update(blocks));
  });
});

describe('stream ciphers in raw mode', () => {
  it('ChaCha20 matches RFC 8439 §2.4.2 (OpenSSL IV layout: counter ‖ nonce)', async () => {
    const plaintext = Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const s = {
      algorithm: 11,
      keyHex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
      ivHex: '01000000' + '000000000000004a00000000',
    };
    const ct = await through(createEncryptStream(s), plaintext);
    assert.equal(
      ct.toString('hex'),
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d',
    );
    assert.deepEqual(await through(createDecryptStream(s), ct), plaintext);
  });

  it('XSalsa20 matches the NaCl stream test, fed in odd pieces', async () => {
    const s = {
      algorithm: 12,
      keyHex: '1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389',
      ivHex: '69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37',
    };
    const stream = await through(createEncryptStream(s), new Uint8Array(4194304 / 64));
    assert.equal(
      stream.subarray(0, 32).toString('hex'),
      'eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880',
    );
    const data = random(200_001);
    assert.deepEqual(
      await through(createDecryptStream(s), await through(createEncryptStream(s), data)),
      data,
    );
  });
});
