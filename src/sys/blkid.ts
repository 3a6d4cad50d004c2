// `blkid -p -o export` output: the fallback probe for filesystems whose superblock we do not read.
import type {BlockInfo} from './sys.ts';

/** `KEY=value` lines → a record. Values are as blkid escapes them (no quotes in export mode). */
export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The filesystem part of a blkid record; `undefined` when blkid found no filesystem type. */
export function blockInfoFromBlkid(record: Record<string, string>): BlockInfo | undefined {
  const fstype = record.TYPE;
  if (!fstype) return undefined;
  const info: BlockInfo = {fstype};
  if (record.LABEL) info.label = record.LABEL;
  if (record.UUID) info.uuid = record.UUID;
  return info;
}
