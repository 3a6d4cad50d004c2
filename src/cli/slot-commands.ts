// `immucore slot status | set-next | mark-good | mark-bad`: the boot assessment block on COS_STATE
// (SPEC §10b). Thin: parse, then one call into src/steps/slot-block.ts and src/assess.
import {Args, Command, Flags} from '@oclif/core';
import {
  type EnvChange,
  MAX_TRIES,
  markBad,
  markGood,
  type Slot,
  setNext,
  TARGETS,
  type Target,
} from '../assess/assessment.ts';
import {isSlot, renderAssessment} from '../assess/describe.ts';
import {parseAssessmentCmdline} from '../boot/assessment-cmdline.ts';
import {UsageError} from '../boot/errors.ts';
import {decideBootState} from '../boot/state.ts';
import {readCmdlineText} from '../inputs/read-inputs.ts';
import {changeSlotBlock, readSlotView} from '../steps/slot-block.ts';
import {LinuxSys} from '../sys/linux.ts';

const COMMON = {
  json: Flags.boolean({description: 'print the result as JSON'}),
  root: Flags.string({hidden: true, description: 'treat this directory as / (tests)'}),
};

export class SlotStatusCommand extends Command {
  static override summary =
    'Show the boot assessment: each slot (trusted, tentative, good, bad), its tries, any fallback.';
  static override examples = ['<%= config.bin %> slot status', '<%= config.bin %> slot status --json'];
  static override flags = COMMON;

  async run(): Promise<void> {
    const {flags} = await this.parse(SlotStatusCommand);
    const view = await readSlotView(new LinuxSys({root: flags.root ?? '/'}));
    this.log(flags.json ? JSON.stringify(view.report, null, 2) : renderAssessment(view.report).join('\n'));
    if (view.report.block.problem) this.exit(1);
  }
}

export class SlotSetNextCommand extends Command {
  static override summary =
    'Boot this slot from the next boot on; with --tries, as a tentative slot that falls back.';
  static override description =
    `Resets the slot's stale state (good/bad mark, tries, fallback reason). active/passive stay the start of the walk until another set-next; recovery is booted once. Tries run 1-${MAX_TRIES}.`;
  static override examples = [
    '<%= config.bin %> slot set-next active --tries 3',
    '<%= config.bin %> slot set-next recovery',
  ];
  static override args = {
    target: Args.string({required: true, options: [...TARGETS], description: 'active, passive or recovery'}),
  };
  static override flags = {
    ...COMMON,
    tries: Flags.integer({description: `tries before falling back (1-${MAX_TRIES})`}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SlotSetNextCommand);
    const target = args.target as Target;
    if (flags.tries !== undefined && (flags.tries < 1 || flags.tries > MAX_TRIES || target === 'recovery')) {
      throw new UsageError(`--tries ${flags.tries} cannot be used for ${target}`, {
        hint: `Give active or passive 1 to ${MAX_TRIES} tries (GRUB counts them down without arithmetic); recovery is never counted.`,
      });
    }
    await runChange(this, flags, (vars) => setNext(vars, target, flags.tries));
  }
}

export class SlotMarkGoodCommand extends Command {
  static override summary =
    'Bless a slot (default: the booted one): its trial ends, it is booted without counting.';
  static override examples = ['<%= config.bin %> slot mark-good', '<%= config.bin %> slot mark-good passive'];
  static override args = {
    slot: Args.string({options: ['active', 'passive'], description: 'default: this boot'}),
  };
  static override flags = COMMON;

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SlotMarkGoodCommand);
    const slot = await slotOf(args.slot, flags.root);
    await runChange(this, flags, (vars) => markGood(vars, slot));
  }
}

export class SlotMarkBadCommand extends Command {
  static override summary = 'Mark a slot bad (default: the booted one): the next boot falls back past it.';
  static override examples = ['<%= config.bin %> slot mark-bad', '<%= config.bin %> slot mark-bad active'];
  static override args = {
    slot: Args.string({options: ['active', 'passive'], description: 'default: this boot'}),
  };
  static override flags = COMMON;

  async run(): Promise<void> {
    const {args, flags} = await this.parse(SlotMarkBadCommand);
    const slot = await slotOf(args.slot, flags.root);
    await runChange(this, flags, (vars) => markBad(vars, slot));
  }
}

/** The slot named, else the one this boot is a try of, else the booted one. */
async function slotOf(given: string | undefined, root: string | undefined): Promise<Slot> {
  if (given && isSlot(given)) return given;
  const cmdline = await readCmdlineText(new LinuxSys({root: root ?? '/'}));
  const booted = parseAssessmentCmdline(cmdline).trying ?? decideBootState({raw: cmdline}).state;
  if (isSlot(booted)) return booted;
  throw new UsageError(`This boot is ${booted}, not a slot: name the slot to mark`, {
    hint: 'Run `immucore slot mark-good active` (or passive).',
  });
}

async function runChange(
  cmd: Command,
  flags: {json: boolean; root?: string},
  decide: (vars: Record<string, string>) => EnvChange[],
): Promise<void> {
  const sys = new LinuxSys({root: flags.root ?? '/'});
  const {changes, path} = await changeSlotBlock(sys, decide);
  if (flags.json) {
    cmd.log(JSON.stringify({path, changed: Object.fromEntries(changes)}, null, 2));
    return;
  }
  cmd.log(
    changes.length ? `${path}: ${changes.map(([k, v]) => `${k}=${v}`).join(' ')}` : `${path}: no change`,
  );
}
