import {createHash} from 'node:crypto';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {sha1} from './sha1.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sha1', () => {
  it.each([
    ['', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
  ])('%j (FIPS 180 vectors)', (text, want) => {
    expect(hex(sha1(new TextEncoder().encode(text)))).toBe(want);
  });
  it('equals node:crypto for any input, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), (data) => {
        expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
      }),
    );
  });
});
