// yip's `ensure_entities` / `delete_entities` (mudler/entities): a user, group, shadow or gshadow
// entry given as YAML, put into (or taken out of) passwd, group, shadow or gshadow. Pure: file text
// in, file text out; the directive writes the result atomically. As mudler/entities: an existing
// user, shadow or gshadow entry is replaced, an existing group keeps its members and gains the
// entity's; a new entry is appended. Unlike it, a file already as asked is left untouched (the
// directive then writes nothing), and `last_changed: now` keeps the date an entry already has, so
// a second boot rewrites nothing.
import {parse as parseYaml} from 'yaml';

export type EntityKind = 'user' | 'group' | 'shadow' | 'gshadow';

export interface Entity {
  kind: EntityKind;
  /** The entry's key: user name, group name. */
  name: string;
  /** Raw fields as the YAML gave them. */
  fields: Record<string, string | number | undefined>;
}

export const ENTITY_FILES: Record<EntityKind, string> = {
  user: '/etc/passwd',
  group: '/etc/group',
  shadow: '/etc/shadow',
  gshadow: '/etc/gshadow',
};

const NAME_FIELD: Record<EntityKind, string> = {
  user: 'username',
  group: 'group_name',
  shadow: 'username',
  gshadow: 'name',
};

const FIELDS: Record<EntityKind, string[]> = {
  user: ['username', 'password', 'uid', 'gid', 'group', 'info', 'homedir', 'shell'],
  group: ['group_name', 'password', 'gid', 'users'],
  shadow: [
    'username',
    'password',
    'last_changed',
    'minimum_changed',
    'maximum_changed',
    'warn',
    'inactive',
    'expire',
    'reserved',
  ],
  gshadow: ['name', 'password', 'administrators', 'members'],
};

export class EntityError extends Error {
  override name = 'EntityError';
}

/** Read an entity's YAML; throws an EntityError naming what is wrong. */
export function parseEntity(text: string): Entity {
  let data: unknown;
  try {
    data = parseYaml(text, {version: '1.1'});
  } catch (err) {
    throw new EntityError(`the entity is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new EntityError('the entity is not a mapping (kind: user|group|shadow|gshadow, …)');
  const d = data as Record<string, unknown>;
  const kind = String(d.kind ?? '');
  if (!(kind in ENTITY_FILES))
    throw new EntityError(`kind "${kind}" is not an entity kind (user, group, shadow, gshadow)`);
  const k = kind as EntityKind;
  const fields: Entity['fields'] = {};
  for (const [key, v] of Object.entries(d)) {
    if (key === 'kind') continue;
    if (!FIELDS[k].includes(key))
      throw new EntityError(`${key} is not a field of a ${k} entity (fields: ${FIELDS[k].join(', ')})`);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new EntityError(`${key} is not a string or a number`);
    if (String(v).includes(':') || String(v).includes('\n'))
      throw new EntityError(`${key} "${v}" holds a ':' or a newline, which would break the file`);
    fields[key] = v;
  }
  const name = String(fields[NAME_FIELD[k]] ?? '');
  if (!name) throw new EntityError(`a ${k} entity needs ${NAME_FIELD[k]}`);
  for (const id of ['uid', 'gid'])
    if (fields[id] !== undefined && !Number.isInteger(Number(fields[id])))
      throw new EntityError(`${id} "${fields[id]}" is not a number`);
  if (k === 'shadow' || k === 'gshadow') {
    const pw = String(fields.password ?? '');
    if (pw && !/^[$!*]/.test(pw))
      throw new EntityError(
        `the ${k} password of ${name} is plain text; give a crypt hash (openssl passwd -6), or "!" / "*" to lock it`,
      );
  }
  return {kind: k, name, fields};
}

interface Lines {
  lines: string[];
  trailingNewline: boolean;
}

function splitLines(text: string): Lines {
  const trailingNewline = text === '' || text.endsWith('\n');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  return {lines, trailingNewline};
}

function joinLines({lines}: Lines): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

const keyOf = (line: string) => line.split(':')[0] ?? '';

/** The lowest free id ≥ 1000 (below 60000) in a passwd/group text, for uid/gid -1 (a dynamic id). */
export function freeId(text: string, column: number): number {
  const used = new Set(splitLines(text).lines.map((l) => Number(l.split(':')[column])));
  for (let id = 1000; id < 60000; id++) if (!used.has(id)) return id;
  throw new EntityError('no free id between 1000 and 59999');
}

/** The group's gid in a group file text. */
export function gidOf(groupText: string, group: string): number | undefined {
  const line = splitLines(groupText).lines.find((l) => keyOf(l) === group);
  const gid = line?.split(':')[2];
  return gid === undefined || gid === '' ? undefined : Number(gid);
}

const unique = (xs: string[]) => [...new Set(xs.filter(Boolean))];

/** The file text with the entity in it. `groupText` resolves a user's `group:` to its gid. */
export function applyEntity(text: string, e: Entity, opts: {groupText?: string; today: number}): string {
  const file = splitLines(text);
  const i = file.lines.findIndex((l) => keyOf(l) === e.name);
  const old = i >= 0 ? (file.lines[i] as string).split(':') : undefined;
  const f = (k: string) => (e.fields[k] === undefined ? '' : String(e.fields[k]));
  let line: string;
  switch (e.kind) {
    case 'user': {
      let uid = Number(f('uid') || (old ? old[2] : -1));
      if (uid < 0) uid = old ? Number(old[2]) : freeId(text, 2);
      let gid = Number(f('gid') || (old ? old[3] : 0));
      if (f('group')) {
        const found = gidOf(opts.groupText ?? '', f('group'));
        if (found === undefined)
          throw new EntityError(`the group ${f('group')} of user ${e.name} is not in the group file`);
        gid = found;
      }
      line = [
        e.name,
        f('password') || 'x',
        uid,
        gid,
        f('info') || 'Created by entities',
        f('homedir'),
        f('shell'),
      ].join(':');
      break;
    }
    case 'group': {
      let gid = f('gid') === '' ? (old?.[2] ?? '') : f('gid');
      if (Number(gid) < 0) gid = old?.[2] || String(freeId(text, 2));
      if (gid === '') throw new EntityError(`group ${e.name} needs a gid`);
      const users = unique([...(old?.[3]?.split(',') ?? []), ...f('users').split(',')]);
      line = [e.name, f('password') || 'x', gid, users.join(',')].join(':');
      break;
    }
    case 'shadow': {
      let last = f('last_changed');
      if (last === 'now') last = old?.[2] || String(opts.today);
      line = [
        e.name,
        f('password'),
        last,
        f('minimum_changed'),
        f('maximum_changed'),
        f('warn'),
        f('inactive'),
        f('expire'),
        f('reserved'),
      ].join(':');
      break;
    }
    case 'gshadow':
      line = [e.name, f('password'), f('administrators'), f('members')].join(':');
      break;
  }
  if (i >= 0) file.lines[i] = line;
  else file.lines.push(line);
  return joinLines(file);
}

/** The file text without the entity's entry (unchanged when it has none). */
export function deleteEntity(text: string, e: Entity): string {
  const file = splitLines(text);
  const kept = file.lines.filter((l) => keyOf(l) !== e.name);
  return kept.length === file.lines.length ? text : joinLines({...file, lines: kept});
}
