// The boot assessment as this boot sees it (SPEC §10b): Kairos' /run/cos/upgrade_failure sentinel
// when GRUB fell back, and the block COS_STATE:/boot_assessment read (never written: the images
// partition is mounted read-only) for the report. Reading it never fails the boot.
import {
  type AssessmentReport,
  BLOCK_FILE,
  type BlockProblem,
  describeAssessment,
} from '../assess/describe.ts';
import {EnvBlockError, envVars, parseEnvBlock} from '../assess/grubenv.ts';
import {parseAssessmentCmdline} from '../boot/assessment-cmdline.ts';
import {readEnvBlockFile} from '../sys/env-block-file.ts';
import type {Sys} from '../sys/sys.ts';
import type {StepContext} from './context.ts';

export const UPGRADE_FAILURE_SENTINEL = '/run/cos/upgrade_failure';

/** Kairos' sentinel for a boot after a failed upgrade (its boot stage tests for it). */
export async function writeUpgradeFailureSentinel(ctx: StepContext): Promise<void> {
  const cmd = parseAssessmentCmdline(ctx.plan.config.raw);
  ctx.boot.assessment = describeAssessment({
    cmdline: ctx.plan.config.raw,
    bootState: ctx.plan.state.state,
    blockPath: `COS_STATE:/${BLOCK_FILE}`,
    problem: {kind: 'not-mounted', message: 'COS_STATE is not mounted by this boot'},
  });
  if (!cmd.upgradeFailure) return;
  await ctx.sys.writeText(UPGRADE_FAILURE_SENTINEL, '1', {mode: 0o600});
  const why = cmd.fallback.map((f) => `${f.from}: ${f.reason}`).join(', ') || 'upgrade_failure';
  ctx.log.warn(`the boot loader fell back (${why}): wrote ${UPGRADE_FAILURE_SENTINEL}`);
}

/** After mount-state: the block on the images partition, when that partition is COS_STATE. */
export async function readAssessmentBlock(ctx: StepContext, stateDir: string): Promise<void> {
  const path = `${stateDir}/${BLOCK_FILE}`;
  const {vars, problem} = await readBlockVars(ctx.sys, path);
  ctx.boot.assessment = describeAssessment({
    cmdline: ctx.plan.config.raw,
    bootState: ctx.plan.state.state,
    blockPath: path,
    ...(vars ? {vars} : {}),
    ...(problem ? {problem} : {}),
  });
  if (problem && problem.kind !== 'missing') ctx.log.warn(`${problem.message}, ignoring.`);
  const a = ctx.boot.assessment;
  if (a.tentative)
    ctx.log.info(
      `a counted try of ${a.slot}: ${a.triesLeft ?? 0} of ${a.maxTries ?? '?'} tries left after it`,
    );
}

/** The block's variables, or why there are none; never throws. */
export async function readBlockVars(
  sys: Sys,
  path: string,
): Promise<{vars?: Record<string, string>; problem?: BlockProblem}> {
  try {
    const text = await readEnvBlockFile(sys, path);
    if (text === undefined) {
      return {problem: {kind: 'missing', message: `${path} does not exist`, hint: CREATE_HINT(path)}};
    }
    return {vars: envVars(parseEnvBlock(text))};
  } catch (err) {
    const damaged = err instanceof EnvBlockError;
    return {
      problem: {
        kind: damaged ? 'damaged' : 'unreadable',
        message: `${path} ${damaged ? 'is not a GRUB environment block' : 'cannot be read'}: ${(err as Error).message}`,
        hint: damaged ? CREATE_HINT(path) : ((err as {hint?: string}).hint ?? CREATE_HINT(path)),
      },
    };
  }
}

const CREATE_HINT = (path: string) =>
  `Create it as GRUB writes it, on the plain COS_STATE partition: mount -o remount,rw ${path.replace(/\/[^/]+$/, '')} && grub-editenv ${path} create (1024 bytes, not sparse).`;

export type {AssessmentReport};
