// `immucore slot` and `immucore status`: find COS_STATE:/boot_assessment, read it, and write a
// change to it in place. The partition is read-write only for the write: a booted system has it
// read-only at /run/initramfs/cos-state (remounted rw, then back); in the emergency shell or in
// recovery it may not be mounted at all (mounted on a private dir, then unmounted). A missing or
// damaged block is refused, never created: GRUB can only save_env into a file that exists, is
// 1024 bytes and has all its blocks, on a filesystem it reads (grub-editenv create makes one).
import type {EnvChange} from '../assess/assessment.ts';
import {type AssessmentReport, BLOCK_FILE, describeAssessment} from '../assess/describe.ts';
import {applyEnvChanges, envVars, parseEnvBlock, renderEnvBlock} from '../assess/grubenv.ts';
import {UsageError} from '../boot/errors.ts';
import {decideBootState} from '../boot/state.ts';
import {readCmdlineText} from '../inputs/read-inputs.ts';
import {readEnvBlockFile, writeEnvBlockInPlace} from '../sys/env-block-file.ts';
import type {Sys} from '../sys/sys.ts';
import {readBlockVars} from './read-assessment.ts';

export const STATE_DIR = '/run/initramfs/cos-state';
const PRIVATE_MOUNT = '/run/immucore/cos-state';
const STATE_LABEL = 'COS_STATE';

/**
 * Where COS_STATE is mounted now, and whether read-only; undefined when it is not mounted. Found by
 * its device, not by the directory: a recovery boot mounts COS_RECOVERY on /run/initramfs/cos-state.
 */
async function findStateMount(sys: Sys): Promise<{target: string; readOnly: boolean} | undefined> {
  const device = await sys.findDevice(`LABEL=${STATE_LABEL}`);
  if (!device) return undefined;
  const whole = (await sys.listMounts()).filter((m) => m.source === device && m.root === '/');
  const hit = whole.find((m) => m.target === STATE_DIR) ?? whole[0];
  return hit ? {target: hit.target, readOnly: hit.options.includes('ro')} : undefined;
}

/** Run `use` with COS_STATE mounted (read-write when `write`), restoring how it was after. */
async function withStateMounted<T>(sys: Sys, write: boolean, use: (dir: string) => Promise<T>): Promise<T> {
  const mounted = await findStateMount(sys);
  if (mounted) {
    const remount = write && mounted.readOnly;
    if (remount) await sys.run(['mount', '-o', 'remount,rw', sys.resolvePath(mounted.target)]);
    try {
      return await use(mounted.target);
    } finally {
      if (remount) await sys.run(['mount', '-o', 'remount,ro', sys.resolvePath(mounted.target)]);
    }
  }
  const device = await sys.findDevice(`LABEL=${STATE_LABEL}`);
  if (!device) {
    throw new UsageError(`No ${STATE_LABEL} partition: the boot assessment block lives on it`, {
      hint: 'Check the disk with `blkid -L COS_STATE`; a live or netboot system has no assessment.',
    });
  }
  await sys.mkdirp(PRIVATE_MOUNT);
  await sys.mount({source: device, target: PRIVATE_MOUNT, fstype: 'auto', options: [write ? 'rw' : 'ro']});
  try {
    return await use(PRIVATE_MOUNT);
  } finally {
    await sys.unmount(PRIVATE_MOUNT);
  }
}

export interface SlotView {
  report: AssessmentReport;
  vars?: Record<string, string>;
}

/** The block and this boot's cmdline, described; a missing or damaged block is in `problem`. */
export async function readSlotView(sys: Sys): Promise<SlotView> {
  const cmdline = await readCmdlineText(sys);
  const bootState = decideBootState({raw: cmdline}).state;
  return withStateMounted(sys, false, async (dir) => {
    const path = `${dir}/${BLOCK_FILE}`;
    const {vars, problem} = await readBlockVars(sys, path);
    return {
      report: describeAssessment({
        cmdline,
        bootState,
        blockPath: path,
        ...(vars ? {vars} : {}),
        ...(problem ? {problem} : {}),
      }),
      ...(vars ? {vars} : {}),
    };
  });
}

/** Read the block, let `decide` compute the changes from its variables, write them in place. */
export async function changeSlotBlock(
  sys: Sys,
  decide: (vars: Record<string, string>) => EnvChange[],
): Promise<{changes: EnvChange[]; path: string}> {
  return withStateMounted(sys, true, async (dir) => {
    const path = `${dir}/${BLOCK_FILE}`;
    const text = await readEnvBlockFile(sys, path);
    if (text === undefined) {
      throw new UsageError(`The boot assessment block ${path} does not exist; nothing was written`, {
        hint: `It is never created by immucore. Create it as GRUB needs it: grub-editenv ${path} create (on the plain COS_STATE partition), then run this again.`,
      });
    }
    let block: ReturnType<typeof parseEnvBlock>;
    try {
      block = parseEnvBlock(text);
    } catch (cause) {
      throw new UsageError(`The boot assessment block ${path} is damaged; nothing was written`, {
        cause,
        hint: `Look at it with \`grub-editenv ${path} list\`; recreate it with \`grub-editenv ${path} create\` (its keys are then lost).`,
      });
    }
    const changes = decide(envVars(block));
    if (changes.length > 0)
      await writeEnvBlockInPlace(sys, path, renderEnvBlock(applyEnvChanges(block, changes)));
    return {changes, path};
  });
}
