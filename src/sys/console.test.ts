// The console writer on real fds: a file (every line, in order), a full non-blocking FIFO (EAGAIN:
// the rest goes to the fallback, nothing lost, order kept) and a FIFO nobody reads (EPIPE: dropped,
// said once, the boot goes on).
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createConsoleWriter} from './console.ts';

let dir: string;
const fds: number[] = [];
const open = (file: string, flags: number) => {
  const fd = fs.openSync(file, flags);
  fds.push(fd);
  return fd;
};
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'immucore-console-'));
});
afterEach(() => {
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  fs.rmSync(dir, {recursive: true, force: true});
});

/** A FIFO opened at both ends, non-blocking: `[reader, writer]`. */
function fifo(): [number, number] {
  const file = path.join(dir, 'fifo');
  execFileSync('mkfifo', [file]);
  const {O_RDONLY, O_WRONLY, O_NONBLOCK} = fs.constants;
  const reader = open(file, O_RDONLY | O_NONBLOCK);
  return [reader, open(file, O_WRONLY | O_NONBLOCK)];
}

/** Everything the FIFO holds now. */
function drain(reader: number): Buffer {
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    try {
      const n = fs.readSync(reader, buf);
      if (n === 0) break;
      parts.push(Buffer.from(buf.subarray(0, n)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw err;
    }
  }
  return Buffer.concat(parts);
}

describe('createConsoleWriter', () => {
  it('writes each text whole, in order, before it returns', () => {
    const file = path.join(dir, 'console');
    const fd = open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
    const write = createConsoleWriter({fd, fallback: () => expect.fail('no fallback on a file')});
    const lines = ['immucore: active boot\n', '', 'immucore[mount-root]: warn: é ü ✓\n', 'x'.repeat(70_000)];
    for (const line of lines) write(line);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('hands the rest and every later text to the fallback once the fd says EAGAIN', () => {
    const [reader, writer] = fifo();
    const queued: Buffer[] = [];
    const write = createConsoleWriter({
      fd: writer,
      fallback: (chunk) => queued.push(Buffer.from(chunk)),
      onLost: (err) => expect.fail(`not lost: ${err.code}`),
    });
    // A pipe holds 64 KiB: the first text fills it (a short write, then EAGAIN).
    const big = 'é'.repeat(60_000);
    write(big);
    write('next line\n');
    expect(queued.length).toBe(2);
    const direct = drain(reader);
    expect(direct.length).toBeGreaterThan(0);
    expect(Buffer.concat([direct, ...queued]).toString()).toBe(`${big}next line\n`);
    // Room again: the fallback keeps every later line anyway, so none overtakes a queued one.
    write('last\n');
    expect(drain(reader).length).toBe(0);
    expect(queued.at(-1)?.toString()).toBe('last\n');
  });

  it('falls back at once when the first write says EAGAIN', () => {
    const [reader, writer] = fifo();
    const full = Buffer.alloc(1 << 20, 'a');
    let filled = 0;
    try {
      for (;;) filled += fs.writeSync(writer, full);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('EAGAIN');
    }
    const queued: string[] = [];
    const write = createConsoleWriter({fd: writer, fallback: (chunk) => queued.push(chunk.toString())});
    write('immucore: a line\n');
    expect(queued).toEqual(['immucore: a line\n']);
    expect(drain(reader).length).toBe(filled);
  });

  it('drops the console on EPIPE, says so once, and never throws', () => {
    const [reader, writer] = fifo();
    fs.closeSync(reader);
    fds.splice(fds.indexOf(reader), 1);
    const lost: string[] = [];
    const write = createConsoleWriter({
      fd: writer,
      fallback: () => expect.fail('no fallback when the console is gone'),
      onLost: (err) => lost.push(err.code ?? ''),
    });
    write('first\n');
    write('second\n');
    expect(lost).toEqual(['EPIPE']);
  });
});
