import {describe, expect, it} from 'vitest';
import {extCheckReason} from './ext-health.ts';

/** A 2 KiB head with an ext superblock whose fields are set as given. */
function head(
  fields: {
    state?: number;
    incompat?: number;
    mounts?: number;
    maxMounts?: number;
    lastCheck?: number;
    interval?: number;
    magic?: number;
  } = {},
): Uint8Array {
  const b = Buffer.alloc(2048);
  b.writeUInt16LE(fields.magic ?? 0xef53, 1024 + 56);
  b.writeUInt16LE(fields.state ?? 1, 1024 + 58);
  b.writeUInt32LE(fields.incompat ?? 0x2c2, 1024 + 96);
  b.writeUInt16LE(fields.mounts ?? 3, 1024 + 52);
  b.writeInt16LE(fields.maxMounts ?? -1, 1024 + 54);
  b.writeUInt32LE(fields.lastCheck ?? 1000, 1024 + 64);
  b.writeUInt32LE(fields.interval ?? 0, 1024 + 68);
  return b;
}

describe('extCheckReason', () => {
  const now = 2_000_000;
  it.each([
    {name: 'a cleanly unmounted filesystem needs no check', h: head(), want: undefined},
    {
      name: 'a mount count below the maximum needs none',
      h: head({mounts: 5, maxMounts: 20}),
      want: undefined,
    },
    {
      name: 'an interval not yet passed needs none',
      h: head({lastCheck: now - 10, interval: 100}),
      want: undefined,
    },
    {name: 'not cleanly unmounted', h: head({state: 0}), want: /not cleanly unmounted/},
    {name: 'errors recorded', h: head({state: 3}), want: /errors/},
    {name: 'journal to recover', h: head({incompat: 0x2c2 | 0x4}), want: /journal/},
    {name: 'maximum mount count reached', h: head({mounts: 20, maxMounts: 20}), want: /mounted 20 times/},
    {name: 'check interval passed', h: head({lastCheck: now - 200, interval: 100}), want: /interval/},
    {name: 'not ext at all', h: head({magic: 0x1234}), want: /no ext superblock/},
    {name: 'a short read', h: new Uint8Array(100), want: /could not be read/},
  ])('$name', ({h, want}) => {
    const reason = extCheckReason(h, now);
    if (want === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(want);
  });
});
