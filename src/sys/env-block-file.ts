// A GRUB environment block file on disk (COS_STATE:/boot_assessment): read it, and rewrite it in
// place. GRUB's save_env writes the block through the file's block list, so the file must stay
// exactly where and as large as it is: never truncated, replaced (a rename moves it to new blocks),
// resized or sparse (a hole has no block to write). Paths are relative to the Sys root.
import fs from 'node:fs/promises';
import {constants} from './node-fs.ts';
import type {Sys} from './sys.ts';
import {SysError} from './sys.ts';

/** The block's bytes as latin1 text (one character per byte); undefined when the file is missing. */
export async function readEnvBlockFile(sys: Sys, path: string): Promise<string | undefined> {
  const real = sys.resolvePath(path);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw blockError(path, err, 'read');
  }
  try {
    await checkWritableByGrub(fh, path);
    return (await fh.readFile()).toString('latin1');
  } finally {
    await fh.close();
  }
}

/**
 * Overwrite the block with `text` (latin1, the same length as the file) at offset 0 and fsync it.
 * Throws a SysError (code EINVAL) when the file is not a plain, fully allocated file of that size.
 */
export async function writeEnvBlockInPlace(sys: Sys, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  let fh: fs.FileHandle;
  try {
    // No O_CREAT, no O_TRUNC: the file GRUB knows by its blocks is the one written.
    fh = await fs.open(sys.resolvePath(path), constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    throw blockError(path, err, 'open for writing');
  }
  try {
    const size = await checkWritableByGrub(fh, path);
    if (size !== bytes.length) {
      throw new SysError(`${path} is ${size} bytes, the new block ${bytes.length}: it is never resized`, {
        code: 'EINVAL',
        hint: 'Recreate the block with `grub-editenv <file> create` (1024 bytes) on COS_STATE.',
      });
    }
    const {bytesWritten} = await fh.write(bytes, 0, bytes.length, 0);
    if (bytesWritten !== bytes.length) {
      throw new SysError(`Short write to ${path}: ${bytesWritten} of ${bytes.length} bytes`, {code: 'EIO'});
    }
    await fh.sync();
  } catch (err) {
    throw err instanceof SysError ? err : blockError(path, err, 'write');
  } finally {
    await fh.close();
  }
}

// A regular file whose every byte has a block: GRUB's save_env cannot write into a hole.
async function checkWritableByGrub(fh: fs.FileHandle, path: string): Promise<number> {
  const st = await fh.stat();
  if (!st.isFile()) {
    throw new SysError(`${path} is not a regular file`, {
      code: 'EINVAL',
      hint: 'The boot assessment block must be a plain 1024-byte file made by `grub-editenv <file> create`.',
    });
  }
  if (st.blocks * 512 < st.size) {
    throw new SysError(
      `${path} is sparse (${st.blocks * 512} of ${st.size} bytes allocated): GRUB cannot save_env into it`,
      {
        code: 'EINVAL',
        hint: 'Recreate it with `grub-editenv <file> create`, which writes every byte.',
      },
    );
  }
  return st.size;
}

function blockError(path: string, err: unknown, what: string): SysError {
  const c = code(err) ?? 'EIO';
  return new SysError(`Cannot ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`, {
    code: c,
    cause: err,
    hint:
      c === 'ELOOP'
        ? 'The block is a symlink; GRUB reads the file itself. Replace it with the real file.'
        : c === 'EROFS'
          ? 'The partition is mounted read-only; remount it read-write for the write (immucore slot does this).'
          : undefined,
  });
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}
