// The entries of a step's lists and mappings: files, directories, users; each with its own path
// (`stages.rootfs[0].files[1].permissions`) in every message.

import type {FieldReader} from './fields.ts';
import {type LayoutSpec, partitionKind} from './layout-plan.ts';
import type {DirectorySpec, EntitySpec, FileSpec, UserSpec} from './types.ts';

const ENCODINGS = ['', 'b64', 'base64', 'gz', 'gzip', 'gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'];

export function listOf<T>(
  r: FieldReader,
  value: unknown,
  at: string,
  what: string,
  read: (r: FieldReader, n: unknown, p: string) => T | undefined,
): T[] {
  const out: T[] = [];
  for (const [i, item] of (r.items(value, at, what) ?? []).entries()) {
    const v = read(r, item, `${at}[${i}]`);
    if (v !== undefined) out.push(v);
  }
  return out;
}

export function fieldsOf(
  r: FieldReader,
  node: unknown,
  at: string,
  known: string[],
): Map<string, unknown> | undefined {
  const entries = r.entries(node, at, 'a mapping');
  if (!entries) return undefined;
  for (const [k, , keyNode] of entries)
    if (!known.includes(k))
      r.warn(
        keyNode,
        `${at}.${k}`,
        'is not a known field, ignoring it',
        `Known fields: ${known.join(', ')}.`,
      );
  return new Map(entries.map(([k, v]) => [k, v]));
}

export function readFile(r: FieldReader, node: unknown, at: string): FileSpec | undefined {
  const f = fieldsOf(r, node, at, [
    'path',
    'content',
    'encoding',
    'permissions',
    'owner',
    'group',
    'owner_string',
    'group_string',
  ]);
  if (!f) return undefined;
  const path = required(r, node, f.get('path'), `${at}.path`);
  const encoding = f.has('encoding') ? (r.string(f.get('encoding'), `${at}.encoding`) ?? '') : '';
  if (!ENCODINGS.includes(encoding))
    r.fail(
      f.get('encoding'),
      `${at}.encoding`,
      `"${encoding}" is not an encoding`,
      'Write encoding: base64 or gzip+base64, or leave it out for plain text.',
    );
  return path === undefined
    ? undefined
    : {
        path,
        content: f.has('content') ? (r.string(f.get('content'), `${at}.content`) ?? '') : '',
        encoding,
        mode: modeOf(r, f, at, 0o644),
        owner: idOf(r, f, 'owner', at),
        group: idOf(r, f, 'group', at),
        ...(f.has('owner_string')
          ? {ownerString: r.string(f.get('owner_string'), `${at}.owner_string`) ?? ''}
          : {}),
        ...(f.has('group_string')
          ? {groupString: r.string(f.get('group_string'), `${at}.group_string`) ?? ''}
          : {}),
      };
}

export function readDirectory(r: FieldReader, node: unknown, at: string): DirectorySpec | undefined {
  const f = fieldsOf(r, node, at, ['path', 'permissions', 'owner', 'group']);
  if (!f) return undefined;
  const path = required(r, node, f.get('path'), `${at}.path`);
  return path === undefined
    ? undefined
    : {path, mode: modeOf(r, f, at, 0o755), owner: idOf(r, f, 'owner', at), group: idOf(r, f, 'group', at)};
}

export function readUser(r: FieldReader, key: string, node: unknown, at: string): UserSpec {
  const f =
    fieldsOf(r, node, at, [
      'name',
      'passwd',
      'ssh_authorized_keys',
      'gecos',
      'homedir',
      'no_create_home',
      'primary_group',
      'groups',
      'no_user_group',
      'system',
      'no_log_init',
      'shell',
      'lock_passwd',
      'uid',
    ]) ?? new Map<string, unknown>();
  const str = (k: string) => (f.has(k) ? r.string(f.get(k), `${at}.${k}`) : undefined);
  const bool = (k: string) => (f.has(k) ? (r.boolean(f.get(k), `${at}.${k}`) ?? false) : false);
  const user: UserSpec = {
    name: str('name') || key,
    groups: f.has('groups') ? (r.strings(f.get('groups'), `${at}.groups`) ?? []) : [],
    sshAuthorizedKeys: f.has('ssh_authorized_keys')
      ? (r.strings(f.get('ssh_authorized_keys'), `${at}.ssh_authorized_keys`) ?? [])
      : [],
    noCreateHome: bool('no_create_home'),
    system: bool('system'),
    lockPasswd: bool('lock_passwd'),
  };
  for (const [k, field] of [
    ['uid', 'uid'],
    ['passwd', 'passwd'],
    ['primary_group', 'primaryGroup'],
    ['homedir', 'homedir'],
    ['shell', 'shell'],
    ['gecos', 'gecos'],
  ] as const) {
    const v = str(k);
    if (v) user[field] = v;
  }
  if (user.uid !== undefined && !/^\d+$/.test(user.uid))
    r.fail(f.get('uid'), `${at}.uid`, `"${user.uid}" is not a numeric uid`, 'Write uid: 1000.');
  return user;
}

function required(r: FieldReader, parent: unknown, node: unknown, at: string): string | undefined {
  if (node === undefined || r.isNull(node))
    return r.fail(parent, at, 'is missing', `Give every entry a ${at.split('.').pop()}.`);
  return absolute(r, node, at);
}

export function absolute(r: FieldReader, node: unknown, at: string): string | undefined {
  const p = r.string(node, at);
  if (p === undefined || p.startsWith('/')) return p;
  return r.fail(node, at, `"${p}" is not an absolute path`, `Write the full path, e.g. /${p}.`);
}

function modeOf(r: FieldReader, f: Map<string, unknown>, at: string, fallback: number): number {
  const node = f.get('permissions');
  return node === undefined || r.isNull(node) ? fallback : (r.mode(node, `${at}.permissions`) ?? fallback);
}

function idOf(r: FieldReader, f: Map<string, unknown>, key: string, at: string): number {
  const node = f.get(key);
  return node === undefined || r.isNull(node) ? 0 : (r.count(node, `${at}.${key}`) ?? 0);
}

export function readEntity(r: FieldReader, node: unknown, at: string): EntitySpec | undefined {
  const f = fieldsOf(r, node, at, ['path', 'entity']);
  if (!f) return undefined;
  const e = f.get('entity');
  const entity =
    e === undefined || r.isNull(e)
      ? r.fail(
          node,
          `${at}.entity`,
          'is missing',
          'Give the entity as YAML text: entity: |\n  kind: "group"…',
        )
      : r.string(e, `${at}.entity`);
  const path = f.has('path') ? absolute(r, f.get('path'), `${at}.path`) : undefined;
  return entity === undefined ? undefined : {entity, ...(path ? {path} : {})};
}

/** `layout:` as yip reads it: device (label or path), expand_partition, add_partitions (sizes in MiB). */
export function readLayout(r: FieldReader, node: unknown, at: string): LayoutSpec | undefined {
  const f = fieldsOf(r, node, at, ['device', 'expand_partition', 'add_partitions']);
  if (!f) return undefined;
  const d = f.has('device')
    ? fieldsOf(r, f.get('device'), `${at}.device`, ['label', 'path', 'init_disk', 'disk_name'])
    : undefined;
  const label = d?.has('label') ? r.string(d.get('label'), `${at}.device.label`) : undefined;
  const path = d?.has('path') ? r.string(d.get('path'), `${at}.device.path`) : undefined;
  if (d?.has('init_disk'))
    return r.fail(
      d.get('init_disk'),
      `${at}.device.init_disk`,
      'is not supported: immucore never writes a new partition table over a disk',
      'Partition the disk when installing (kairos-agent install), not at boot.',
    );
  if (!label && !path)
    return r.fail(
      node,
      `${at}.device`,
      // Absent, the key is not in the text to point at: say so, as for other required keys.
      f.has('device') ? 'names no disk' : 'is missing',
      'Give device.label (a filesystem label on the disk) or device.path.',
    );
  if (path?.startsWith('script://'))
    return r.fail(
      node,
      `${at}.device.path`,
      'script:// paths are not supported',
      'Give the disk as a path or by label.',
    );
  const spec: LayoutSpec = {device: {...(label ? {label} : {}), ...(path && !label ? {path} : {})}, add: []};
  if (f.has('expand_partition')) {
    const e = r.isNull(f.get('expand_partition'))
      ? undefined
      : fieldsOf(r, f.get('expand_partition'), `${at}.expand_partition`, ['size']);
    const size = e?.has('size') ? r.count(e.get('size'), `${at}.expand_partition.size`) : 0;
    if (size === undefined) return undefined;
    spec.expand = {sizeMiB: size};
  }
  for (const [i, item] of (f.has('add_partitions')
    ? (r.items(f.get('add_partitions'), `${at}.add_partitions`, 'partitions') ?? [])
    : []
  ).entries()) {
    const pat = `${at}.add_partitions[${i}]`;
    const pf = fieldsOf(r, item, pat, ['fsLabel', 'size', 'pLabel', 'filesystem', 'bootable']);
    if (!pf) return undefined;
    const fsLabel = pf.has('fsLabel') ? r.string(pf.get('fsLabel'), `${pat}.fsLabel`) : undefined;
    const pLabel = pf.has('pLabel') ? r.string(pf.get('pLabel'), `${pat}.pLabel`) : undefined;
    const sizeMiB = pf.has('size') ? r.count(pf.get('size'), `${pat}.size`) : 0;
    const filesystem =
      (pf.has('filesystem') ? r.string(pf.get('filesystem'), `${pat}.filesystem`) : undefined) || 'ext2';
    const bootable = pf.has('bootable') ? (r.boolean(pf.get('bootable'), `${pat}.bootable`) ?? false) : false;
    if (sizeMiB === undefined) return undefined;
    if (!partitionKind(filesystem, bootable))
      return r.fail(
        pf.get('filesystem'),
        `${pat}.filesystem`,
        `"${filesystem}" is not a filesystem yip knows`,
        'Use ext2, ext3, ext4, xfs, btrfs, fat, vfat, swap or none.',
      );
    if (filesystem === 'xfs' && fsLabel && fsLabel.length > 12)
      return r.fail(
        pf.get('fsLabel'),
        `${pat}.fsLabel`,
        'is longer than the 12 characters an xfs label holds',
        'Shorten the label.',
      );
    spec.add.push({
      sizeMiB,
      filesystem,
      bootable,
      ...(fsLabel ? {fsLabel} : {}),
      ...(pLabel ? {pLabel} : {}),
    });
  }
  return spec;
}
