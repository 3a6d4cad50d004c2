// The ioctl sequence of an in-process loop attach, against a scripted kernel: the struct layouts,
// the race with another attacher, the fallback for kernels without LOOP_CONFIGURE, and errors.
// test/sys/loop-ioctl.test.ts attaches real images with the real ioctls under bun.
import {describe, expect, it} from 'vitest';
import {
  ATTACH_ATTEMPTS,
  attachLoopByIoctl,
  LOOP_CLR_FD,
  LOOP_CONFIGURE,
  LOOP_CTL_GET_FREE,
  LOOP_SET_FD,
  LOOP_SET_STATUS64,
  type LoopIo,
  renderLoopConfig,
  renderLoopInfo64,
} from './loop-ioctl.ts';

const NAMES: Record<number, string> = {
  [LOOP_CTL_GET_FREE]: 'GET_FREE',
  [LOOP_CONFIGURE]: 'CONFIGURE',
  [LOOP_SET_FD]: 'SET_FD',
  [LOOP_SET_STATUS64]: 'SET_STATUS64',
  [LOOP_CLR_FD]: 'CLR_FD',
};

/** A kernel answering each ioctl in turn from `answers` (errno, or 0 for success; GET_FREE: the number). */
function kernel(answers: Partial<Record<string, number[]>>) {
  const calls: string[] = [];
  const fds = new Map<number, string>();
  let nextFd = 10;
  let errno = 0;
  const io: LoopIo = {
    open: (p, flags) => {
      calls.push(`open ${p} ${flags}`);
      fds.set(nextFd, p);
      return nextFd++;
    },
    close: (fd) => {
      calls.push(`close ${fds.get(fd)}`);
    },
    ioctl: (fd, request, arg) => {
      const name = NAMES[request] ?? String(request);
      calls.push(
        `${name} ${fds.get(fd)}${typeof arg === 'number' && name === 'SET_FD' ? ` ${fds.get(arg)}` : ''}`,
      );
      const answer = answers[name]?.shift() ?? 0;
      if (name === 'GET_FREE') return answer;
      errno = answer;
      return answer === 0 ? 0 : -1;
    },
    errno: () => errno,
  };
  return {io, calls};
}

describe('attachLoopByIoctl', () => {
  it('asks loop-control for a free device and configures it read-only in one ioctl', () => {
    const {io, calls} = kernel({GET_FREE: [3]});
    expect(attachLoopByIoctl(io, '/state/cOS/active.img', {readOnly: true})).toBe('/dev/loop3');
    expect(calls).toEqual([
      'open /state/cOS/active.img r',
      'open /dev/loop-control r+',
      'GET_FREE /dev/loop-control',
      'open /dev/loop3 r+',
      'CONFIGURE /dev/loop3',
      'close /dev/loop3',
      'close /dev/loop-control',
      'close /state/cOS/active.img',
    ]);
  });

  it('opens the image read-write for a read-write attach', () => {
    const {io, calls} = kernel({GET_FREE: [0]});
    attachLoopByIoctl(io, '/img', {readOnly: false});
    expect(calls[0]).toBe('open /img r+');
  });

  it('takes the next free device when another attacher took this one first (EBUSY)', () => {
    const {io, calls} = kernel({GET_FREE: [3, 4], CONFIGURE: [16, 0]});
    expect(attachLoopByIoctl(io, '/img', {readOnly: true})).toBe('/dev/loop4');
    expect(calls.filter((c) => /^(GET_FREE|CONFIGURE)/.test(c))).toEqual([
      'GET_FREE /dev/loop-control',
      'CONFIGURE /dev/loop3',
      'GET_FREE /dev/loop-control',
      'CONFIGURE /dev/loop4',
    ]);
  });

  it.each([
    {name: 'EINVAL', errno: 22},
    {name: 'ENOTTY', errno: 25},
  ])('falls back to SET_FD + SET_STATUS64 when LOOP_CONFIGURE is $name (a kernel before 5.8)', ({errno}) => {
    const {io, calls} = kernel({GET_FREE: [2], CONFIGURE: [errno]});
    expect(attachLoopByIoctl(io, '/img', {readOnly: true})).toBe('/dev/loop2');
    expect(calls.filter((c) => /^[A-Z]/.test(c))).toEqual([
      'GET_FREE /dev/loop-control',
      'CONFIGURE /dev/loop2',
      'SET_FD /dev/loop2 /img',
      'SET_STATUS64 /dev/loop2',
    ]);
  });

  it('detaches again when SET_STATUS64 fails after SET_FD, and names the call', () => {
    const {io, calls} = kernel({GET_FREE: [2], CONFIGURE: [22], SET_STATUS64: [1]});
    expect(() => attachLoopByIoctl(io, '/img', {readOnly: true})).toThrow(
      /^Cannot attach \/img to a loop device: LOOP_SET_STATUS64 on \/dev\/loop2 returned EPERM$/,
    );
    expect(calls).toContain('CLR_FD /dev/loop2');
    expect(calls.slice(-3)).toEqual(['close /dev/loop2', 'close /dev/loop-control', 'close /img']);
  });

  const invalid = [
    {
      name: 'no free device can be made',
      answers: {GET_FREE: [-1]},
      error: /LOOP_CTL_GET_FREE on \/dev\/loop-control returned/,
    },
    {
      name: 'the kernel refuses the configuration',
      answers: {GET_FREE: [1], CONFIGURE: [13]},
      error: /^Cannot attach \/img to a loop device: LOOP_CONFIGURE on \/dev\/loop1 returned EACCES$/,
    },
    {
      name: 'every free device is taken by a racing attacher',
      answers: {GET_FREE: [...Array(ATTACH_ATTEMPTS).keys()], CONFIGURE: Array(ATTACH_ATTEMPTS).fill(16)},
      error: /every free loop device was taken by another attacher first/,
    },
  ];
  it.each(invalid)('fails clearly when $name', ({answers, error}) => {
    const {io} = kernel(answers);
    let err: {message: string; hint?: string} | undefined;
    try {
      attachLoopByIoctl(io, '/img', {readOnly: true});
    } catch (e) {
      err = e as {message: string; hint?: string};
    }
    expect(err?.message).toMatch(error);
    expect(err?.hint).toMatch(/losetup --list/);
  });
});

describe('renderLoopConfig', () => {
  it('lays out struct loop_config: the fd, then loop_info64 with its flags and file name', () => {
    const c = renderLoopConfig(7, '/run/initramfs/cos-state/cOS/active.img', {
      readOnly: true,
      partscan: true,
    });
    expect(c.length).toBe(304);
    expect(c.readUInt32LE(0)).toBe(7); // fd
    expect(c.readUInt32LE(4)).toBe(0); // block_size: the backing file's
    expect(c.readUInt32LE(8 + 52)).toBe(1 | 8); // READ_ONLY | PARTSCAN
    expect(c.toString('latin1', 8 + 56, 8 + 56 + 40)).toBe('/run/initramfs/cos-state/cOS/active.img\0');
    expect(c.readBigUInt64LE(8 + 24)).toBe(0n); // offset
    expect(c.readBigUInt64LE(8 + 32)).toBe(0n); // sizelimit: the whole file
  });

  it('leaves a read-write attach writable and cuts a long name to 63 bytes', () => {
    const info = renderLoopInfo64(`/${'x'.repeat(100)}`, {});
    expect(info.length).toBe(232);
    expect(info.readUInt32LE(52)).toBe(0);
    expect(info[56 + 62]).toBe(0x78);
    expect(info[56 + 63]).toBe(0);
    expect(renderLoopConfig(3, '/i', {readOnly: false}).readUInt32LE(8 + 52)).toBe(0);
  });
});
