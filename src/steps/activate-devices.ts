// LVM volume groups and md RAID arrays, activated before any step waits for a label. dracut does
// this in dracut-initqueue.service, which immucore runs before (and only for what the cmdline names:
// rd.lvm.lv=, rd.md.uuid=, rd.auto), so a COS_* filesystem on a logical volume or an array would
// never appear. Only with the tools in the initramfs: the dracut module pulls in dracut's lvm and
// mdraid modules when the build host has them; without them there is nothing to activate.
import {type ActivationTool, decideActivation} from '../boot/activation.ts';
import {BootError, hintOf} from '../boot/errors.ts';
import {lvmActivateArgs, mdadmAssembleArgs, mdadmAssembleOutcome, udevadmSettleArgs} from '../sys/argv.ts';
import {SysError} from '../sys/sys.ts';
import {readUdevFsTypes} from '../sys/udev-db.ts';
import type {StepContext} from './context.ts';

interface Activated {
  said: string;
  /** Something new appeared (an array assembled, a volume group activated). */
  activated: boolean;
}

interface Stack {
  tool: ActivationTool;
  what: string;
  switch: string;
  memberName: string;
  enabled: (ctx: StepContext) => boolean;
  activate: (ctx: StepContext) => Promise<Activated>;
}

// md first: an LVM physical volume may sit on an array (the other way round is rare).
const STACKS: Stack[] = [
  {
    tool: 'mdadm',
    what: 'md RAID arrays',
    switch: 'rd.md=0',
    memberName: 'md RAID member',
    enabled: (ctx) => ctx.plan.config.activate.md,
    activate: assembleMd,
  },
  {
    tool: 'lvm',
    what: 'LVM volume groups',
    switch: 'rd.lvm=0',
    memberName: 'LVM physical volume',
    enabled: (ctx) => ctx.plan.config.activate.lvm,
    activate: activateLvm,
  },
];

/** Why activate-devices has nothing to do on this cmdline, or `true` to run it. */
export function shouldActivateDevices(ctx: StepContext): true | string {
  return STACKS.some((s) => s.enabled(ctx)) ? true : 'rd.lvm=0 and rd.md=0 on the command line';
}

export async function activateDevices(ctx: StepContext): Promise<void> {
  const present: Stack[] = [];
  for (const stack of STACKS) {
    if (!stack.enabled(ctx)) ctx.log.info(`${stack.switch}: not activating ${stack.what}`);
    else if (await ctx.sys.findTool(stack.tool)) present.push(stack);
    else ctx.log.debug(`${stack.tool} is not in the initramfs: no ${stack.what} to activate`);
  }
  if (present.length === 0) {
    ctx.log.info('no lvm or mdadm in the initramfs: nothing to activate');
    return;
  }
  await settleDevices(ctx);
  // What udev found on the disks, else what the disks' own signatures say (no udevd, or a device
  // udev has no record of yet): a tool with nothing to activate from is not run, as dracut's udev
  // rules start it only for a member. Nothing readable at all runs every tool, as dracut would.
  const udevTypes = await readUdevFsTypes(ctx.sys);
  const types = udevTypes ?? (await ctx.sys.readMemberTypes());
  const source = udevTypes ? 'udev' : 'read from the disks';
  const failed: string[] = [];
  let appeared = false;
  for (const stack of present) {
    // An array just assembled may itself hold a physical volume, which nobody has read yet.
    if (!appeared) {
      const decision = decideActivation(stack.tool, types);
      if (!decision.run) {
        ctx.log.info(`no ${stack.memberName} on any disk (${source}): no ${stack.what} to activate`);
        continue;
      }
      ctx.log.debug(`${stack.tool}: ${decision.reason} (${source})`);
    }
    try {
      const {said, activated} = await stack.activate(ctx);
      ctx.log.info(said);
      appeared ||= activated;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failed.push(`${stack.what}: ${message}`);
      ctx.boot.failures.push({
        step: ctx.step,
        item: stack.tool,
        message,
        ...(hintOf(err) ? {hint: hintOf(err)} : {}),
      });
    }
  }
  if (failed.length) {
    throw new BootError(`Cannot activate ${failed.join('; ')}`, {
      hint: 'A filesystem on them will not be found (its wait times out). From the emergency shell, run lvm vgchange -ay or mdadm --assemble --scan to see why; rd.lvm=0 / rd.md=0 turn activation off.',
    });
  }
}

// The disks coldplug announced may still be in udev's queue (a virtio disk appears once udev has
// loaded its driver): activating before they are there would find nothing. Bounded by devtimeout;
// on a timeout, what is there is activated.
async function settleDevices(ctx: StepContext): Promise<void> {
  const timeoutSec = ctx.plan.config.devTimeoutSec;
  // No udevd, no queue to wait for (`udevadm settle` would return at once): no process for it.
  if (!(await ctx.sys.udevRunning())) {
    ctx.log.debug('udevd is not running: no queue to settle');
    return;
  }
  try {
    const {exitCode} = await ctx.sys.run(udevadmSettleArgs(timeoutSec), {
      okExitCodes: [1],
      signal: ctx.signal,
    });
    if (exitCode === 1)
      ctx.log.warn(`udev's queue did not empty within ${timeoutSec} s: activating what is there, ignoring.`);
  } catch (err) {
    if (err instanceof SysError && err.code === 'ABORT_ERR') throw err;
    ctx.log.warn(`cannot wait for udev (${(err as Error).message}): activating what is there, ignoring.`);
  }
}

async function assembleMd(ctx: StepContext): Promise<Activated> {
  const argv = mdadmAssembleArgs();
  const r = await ctx.sys.run(argv, {okExitCodes: [1, 2], signal: ctx.signal});
  const outcome = mdadmAssembleOutcome(r.exitCode, r.stderr);
  const said = `${r.stdout}\n${r.stderr}`.trim().replaceAll('\n', '; ');
  if (outcome === undefined) {
    throw new SysError(`${argv.join(' ')} exited ${r.exitCode}: ${said}`, {
      code: 'EEXIT',
      argv,
      exitCode: r.exitCode,
      stderr: r.stderr,
    });
  }
  return outcome === 'none'
    ? {said: 'no md arrays to assemble', activated: false}
    : {said: `md arrays assembled: ${said}`, activated: true};
}

async function activateLvm(ctx: StepContext): Promise<Activated> {
  const r = await ctx.sys.run(lvmActivateArgs(), {signal: ctx.signal});
  const said = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return said.length
    ? {said: `LVM: ${said.join('; ')}`, activated: true}
    : {said: 'no LVM volume groups to activate', activated: false};
}
