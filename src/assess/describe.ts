// What the report and `immucore status` say about the boot assessment: this boot's slot, whether
// it is a counted try, the tries, any fallback and why, from the cmdline (what GRUB decided for
// this boot) and the block (what it saved). Pure.
import {parseAssessmentCmdline} from '../boot/assessment-cmdline.ts';
import {
  assessmentVars,
  describeSlots,
  type EnvVars,
  SLOTS,
  type Slot,
  type SlotStatus,
} from './assessment.ts';

/** Why the block could not be read: missing, damaged, or on a partition this boot did not mount. */
export interface BlockProblem {
  kind: 'missing' | 'damaged' | 'not-mounted' | 'unreadable';
  message: string;
  hint?: string;
}

export interface AssessmentReport {
  /** The slot booted: active, passive, recovery (the boot state), or the state for other boots. */
  slot: string;
  /** This boot is a counted try of its slot (immucore.try= on the cmdline). */
  tentative: boolean;
  /** `tentative`, `fallback` (GRUB fell back to this slot), `trusted`. */
  state: 'tentative' | 'fallback' | 'trusted';
  /** Tries of the booted slot, from the block. */
  triesLeft?: number;
  maxTries?: number;
  /** Each fallback GRUB made for this boot, in order. */
  fallback: Array<{from: string; reason: string; triesUsed?: number}>;
  /** The block: its path and the assessment variables in it, or why it could not be read. */
  block: {path: string; vars?: Record<string, string>; problem?: BlockProblem};
  slots?: SlotStatus[];
}

export const BLOCK_FILE = 'boot_assessment';

export function describeAssessment(input: {
  cmdline: string;
  bootState: string;
  blockPath: string;
  vars?: EnvVars;
  problem?: BlockProblem;
}): AssessmentReport {
  const cmd = parseAssessmentCmdline(input.cmdline);
  const slots = input.vars ? describeSlots(input.vars) : undefined;
  const slotOf = (s: string) => slots?.find((x) => x.slot === s);
  const booted = slotOf(input.bootState);
  const fallback = cmd.fallback.map((f) => {
    const used = slotOf(f.from)?.triesUsed;
    return {...f, ...(used !== undefined && f.reason === 'tries-exhausted' ? {triesUsed: used} : {})};
  });
  return {
    slot: input.bootState,
    tentative: cmd.trying !== undefined,
    state: cmd.trying !== undefined ? 'tentative' : fallback.length ? 'fallback' : 'trusted',
    ...(booted?.triesLeft !== undefined ? {triesLeft: booted.triesLeft} : {}),
    ...(booted?.maxTries !== undefined ? {maxTries: booted.maxTries} : {}),
    fallback,
    block: {
      path: input.blockPath,
      ...(input.vars ? {vars: assessmentVars(input.vars)} : {}),
      ...(input.problem ? {problem: input.problem} : {}),
    },
    ...(slots ? {slots} : {}),
  };
}

/** The lines `immucore status` prints for the assessment. */
export function renderAssessment(a: AssessmentReport): string[] {
  const tries = a.maxTries !== undefined ? `, try ${a.maxTries - (a.triesLeft ?? 0)} of ${a.maxTries}` : '';
  const lines = [`assessment: ${a.slot}, ${a.state}${a.tentative ? tries : ''}`];
  for (const f of a.fallback) {
    lines.push(
      `  fell back from ${f.from}: ${f.reason}${f.triesUsed !== undefined ? ` after ${f.triesUsed} tries` : ''}`,
    );
  }
  for (const s of a.slots ?? []) {
    const counts = s.maxTries !== undefined ? ` (${s.triesLeft ?? 0} of ${s.maxTries} tries left)` : '';
    lines.push(`  ${s.slot}: ${s.state}${counts}`);
  }
  if (a.block.problem) lines.push(`  block ${a.block.path}: ${a.block.problem.message}`);
  return lines;
}

export function isSlot(value: string): value is Slot {
  return (SLOTS as readonly string[]).includes(value);
}
