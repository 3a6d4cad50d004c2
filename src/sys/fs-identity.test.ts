import {createHash} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {parseFsIdentity} from './fs-identity.ts';
import {HEAD_BYTES} from './superblock.ts';

/** The head of an ext4 filesystem: magic, an extents feature, a UUID, and a write time. */
function ext4({wtime = 1_700_000_000, bootByte = 0} = {}): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  b[0] = bootByte;
  b.writeUInt16LE(0xef53, 1024 + 56);
  b.writeUInt32LE(0x40, 1024 + 96);
  b.writeUInt32LE(wtime, 1024 + 48);
  Buffer.from('0123456789abcdef0123456789abcdef', 'hex').copy(b, 1024 + 104);
  return b;
}

function squashfs(bytesUsed: number): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  b.write('hsqs', 0, 'latin1');
  b.writeUInt32LE(bytesUsed, 40);
  return b;
}

describe('parseFsIdentity', () => {
  it('names the filesystem and its UUID, and hashes its superblock', async () => {
    expect(await parseFsIdentity(ext4())).toMatch(
      /^ext4 UUID=01234567-89ab-cdef-0123-456789abcdef sb=[0-9a-f]{16}$/,
    );
  });

  // Identities recorded by earlier builds (node:crypto's SHA-256) must still match: otherwise
  // every state dir would be compared again once after an update of immucore itself.
  it('hashes with the SHA-256 earlier builds recorded', async () => {
    const head = ext4();
    const sb = createHash('sha256').update(head.subarray(1024, 2048)).digest('hex').slice(0, 16);
    expect(await parseFsIdentity(head)).toBe(`ext4 UUID=01234567-89ab-cdef-0123-456789abcdef sb=${sb}`);
    const sq = squashfs(4096);
    expect(await parseFsIdentity(sq)).toBe(
      `squashfs sb=${createHash('sha256').update(sq).digest('hex').slice(0, 16)}`,
    );
  });

  const cases = [
    {
      name: 'an ext4 image written again (new write time) is another image',
      a: ext4(),
      b: ext4({wtime: 1_700_000_001}),
      same: false,
    },
    {
      name: 'bytes outside an ext superblock (the boot sector) do not count',
      a: ext4(),
      b: ext4({bootByte: 1}),
      same: true,
    },
    {name: 'a squashfs image is told by its whole head', a: squashfs(4096), b: squashfs(8192), same: false},
    {name: 'the same bytes are the same image', a: squashfs(4096), b: squashfs(4096), same: true},
  ];
  it.each(cases)('$name', async ({a, b, same}) => {
    expect((await parseFsIdentity(a)) === (await parseFsIdentity(b))).toBe(same);
  });

  it('knows no identity for an unrecognised filesystem', async () => {
    expect(await parseFsIdentity(Buffer.alloc(HEAD_BYTES))).toBeUndefined();
  });
});
