// Every LUKS container the kernel has, with its header, partition name and PARTUUID, and the
// mapper that holds it when it is open already (by dracut, a retry, the recovery shell): one
// small read per device, like the superblock scan, but held devices count here.
import fs from 'node:fs/promises';
import path from 'node:path';
import type {LuksContainer} from '../boot/luks.ts';
import {type DeviceFilter, parseUevent, partUuidOf, SYS_BLOCK} from './block-scan.ts';
import {readLuksHeader} from './luks-header.ts';

export async function scanLuksContainers(filter?: DeviceFilter): Promise<LuksContainer[]> {
  const names = await fs.readdir(SYS_BLOCK).catch(() => [] as string[]);
  const found = await Promise.all(names.map((name) => describeContainer(name, filter)));
  return found.filter((c): c is LuksContainer => c !== undefined);
}

async function describeContainer(name: string, filter?: DeviceFilter): Promise<LuksContainer | undefined> {
  // A mapper is never a container Kairos made; floppies stall (block-scan.ts).
  if (/^(fd|dm-|sr)\d/.test(name) || (filter && !(await filter(name)))) return undefined;
  const dir = path.join(SYS_BLOCK, name);
  const [size, uevent, holders] = await Promise.all([
    readSmall(path.join(dir, 'size')),
    readSmall(path.join(dir, 'uevent')),
    fs.readdir(path.join(dir, 'holders')).catch(() => [] as string[]),
  ]);
  if (!(Number(size ?? '0') > 0)) return undefined;
  const ev = parseUevent(uevent ?? '');
  const device = `/dev/${ev.DEVNAME ?? name}`;
  const header = await readLuksHeader(device).catch(() => undefined);
  if (!header) return undefined;
  const c: LuksContainer = {device, name, version: header.version, tokens: header.tokens};
  if (header.label) c.label = header.label;
  if (header.uuid) c.uuid = header.uuid;
  if (ev.PARTNAME) c.partLabel = ev.PARTNAME;
  const partn = ev.PARTN ? Number(ev.PARTN) : undefined;
  if (partn !== undefined) {
    const partUuid = await partUuidOf({name, path: device, partn});
    if (partUuid) c.partUuid = partUuid;
  }
  const openAs = await cryptMapperOf(holders);
  if (openAs) c.openAs = openAs;
  return c;
}

// A dm-crypt mapper holding the container has a dm UUID starting with CRYPT-.
async function cryptMapperOf(holders: string[]): Promise<string | undefined> {
  for (const h of holders) {
    const uuid = await readSmall(path.join(SYS_BLOCK, h, 'dm/uuid'));
    if (uuid?.startsWith('CRYPT-')) return readSmall(path.join(SYS_BLOCK, h, 'dm/name'));
  }
  return undefined;
}

async function readSmall(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}
