// `ensure_entities` / `delete_entities`: edit passwd, group, shadow or gshadow in the stage's view,
// by atomic rename (a power loss leaves the old file or the new one), keeping the file's mode and
// owner (Debian's shadow is root:shadow 0640), and writing nothing when the file is already as asked.
import path from 'node:path';
import {applyEntity, deleteEntity, ENTITY_FILES, type Entity, parseEntity} from '../entities.ts';
import type {StepEnv} from '../step-env.ts';
import type {EntitySpec} from '../types.ts';
import {collectErrors} from './errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function ensureEntities(env: StepEnv, specs: EntitySpec[]): Promise<void> {
  await collectErrors(specs, async (spec) => {
    const e = parse(spec);
    const groupText = e.kind === 'user' ? await readIn(env, ENTITY_FILES.group) : undefined;
    await editFile(env, spec.path ?? ENTITY_FILES[e.kind], e, (text) =>
      applyEntity(text, e, {
        today: Math.floor(Date.now() / DAY_MS),
        ...(groupText !== undefined ? {groupText} : {}),
      }),
    );
    if (e.kind === 'group' && spec.path === undefined) await completeGshadow(env, e);
  });
}

export async function deleteEntities(env: StepEnv, specs: EntitySpec[]): Promise<void> {
  await collectErrors(specs, async (spec) => {
    const e = parse(spec);
    await editFile(env, spec.path ?? ENTITY_FILES[e.kind], e, (text) => deleteEntity(text, e));
  });
}

/**
 * A group made in /etc/group gets its /etc/gshadow line too (`name:!::members`), as groupadd would:
 * without it, useradd -G and gpasswd leave the group's gshadow side out of step (shadow's grpck
 * reports it). An existing gshadow line is left as it is.
 */
async function completeGshadow(env: StepEnv, group: Entity): Promise<void> {
  const p = await env.view.resolve(ENTITY_FILES.gshadow);
  const text = await env.view.sys.readText(p);
  if (text === undefined || text.split('\n').some((l) => l.split(':')[0] === group.name)) return;
  const members = String(group.fields.users ?? '');
  const shadowEntity = parseEntity(
    `kind: gshadow\nname: "${group.name}"\npassword: "!"\nmembers: "${members}"\n`,
  );
  await editFile(env, ENTITY_FILES.gshadow, shadowEntity, (t) => applyEntity(t, shadowEntity, {today: 0}));
}

function parse(spec: EntitySpec): Entity {
  try {
    return parseEntity(spec.entity);
  } catch (err) {
    throw new Error(
      `entity ${JSON.stringify(spec.entity.trim().split('\n').join('; '))}: ${(err as Error).message}`,
    );
  }
}

async function readIn(env: StepEnv, file: string): Promise<string | undefined> {
  return env.view.sys.readText(await env.view.resolve(file));
}

async function editFile(
  env: StepEnv,
  file: string,
  e: Entity,
  edit: (text: string) => string,
): Promise<void> {
  const {sys} = env.view;
  const p = await env.view.resolve(file);
  const before = await sys.readText(p);
  if (before === undefined && !(await sys.exists(path.posix.dirname(p))))
    throw new Error(`${file}: its directory is missing in ${env.view.root}`);
  const after = edit(before ?? '');
  if (after === before) {
    env.log.debug(`${file}: ${e.kind} ${e.name} already as asked`);
    return;
  }
  const dir = path.posix.dirname(p);
  const attrs =
    before === undefined
      ? undefined
      : (await sys.statEntries(dir, [path.posix.basename(p)])).get(path.posix.basename(p));
  const mode = attrs?.mode ?? (e.kind === 'shadow' || e.kind === 'gshadow' ? 0o640 : 0o644);
  await sys.writeText(p, after, {mode, atomic: true});
  if (attrs && (attrs.uid !== 0 || attrs.gid !== 0))
    await sys.setAttributes(p, {mode, uid: attrs.uid, gid: attrs.gid});
  env.log.info(
    `${file}: ${e.kind} ${e.name} ${before?.includes(`\n${e.name}:`) || before?.startsWith(`${e.name}:`) ? 'updated' : 'written'}`,
  );
}
