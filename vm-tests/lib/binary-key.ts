// The binary's part of the image cache key. bun's --compile output differs between two compiles of
// one tree, so keying images by the bytes rebuilt the images, the shared filesystems and every
// disk after each `npm run compile` (every CI run: a fresh clone compiles), ~2-3 min. The compile
// writes `<binary>.build.json` (scripts/compile.ts): the commit (`<sha>` or `<sha>-dirty`, what
// `--version` prints) and a hash of the sources and build flags. When the record's binary hash is
// this binary's, the key is the record: a cached image then carries an equivalent binary, compiled
// from the same sources and commit. Without a record, or with one of an older compile (a binary
// copied over, IMMUCORE_BINARY elsewhere), the key stays the bytes.
import {readFile} from 'node:fs/promises';
import type {BuildRecord} from '../../scripts/compile.ts';
import {hashFile} from './cache.ts';

export async function binaryKey(binary: string): Promise<string> {
  const bytes = await hashFile(binary);
  let record: Partial<BuildRecord>;
  try {
    record = JSON.parse(await readFile(`${binary}.build.json`, 'utf8')) as Partial<BuildRecord>;
  } catch {
    return `bytes:${bytes}`;
  }
  if (record.binarySha256 !== bytes || !record.commit || !record.sources) return `bytes:${bytes}`;
  return `sources:${record.commit}:${record.sources}`;
}
