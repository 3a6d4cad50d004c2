// The boot assessment state machine (SPEC §10b), on the variables of COS_STATE:/boot_assessment.
// Pure. `decideGrubBoot` is what overlays/system/immucore/grub_boot_assessment does in GRUB, step
// for step (the QEMU scenarios run the real snippet); `markGood`, `markBad` and `setNext` are what
// `immucore slot` writes. Empty and absent are the same (GRUB's save_env cannot unset), so every
// change is a set, possibly to ''.
//
// Our keys, per slot S in {active, passive}:
//   immucore_tries_S      tries left of a tentative slot (0-9); empty: the slot is not on trial
//   immucore_tries_max_S  the tries it was given (for `immucore status`: "3 tries")
//   immucore_good_S       `yes` once blessed, `no` once marked bad or out of tries
// and immucore_trying (the slot GRUB last booted as a counted try), immucore_next (the slot the
// walk starts from: passive, or recovery once), immucore_fallback_reason (`active:tries-exhausted`,
// comma-separated when passive fell too).
// Kairos' keys: `enable_boot_assessment=yes` (set by its after-upgrade hook) or
// `enable_boot_assessment_always=yes` with no trial of active running start one try of active;
// ours then clear theirs, so its stale `boot_assessment_tentative` (kairos-io/kairos#4303) never
// sends a later boot to the fallback entry.

export const SLOTS = ['active', 'passive'] as const;
export type Slot = (typeof SLOTS)[number];
export type Target = Slot | 'recovery';
export const TARGETS: readonly Target[] = ['active', 'passive', 'recovery'];

/** The menu entry ids of Kairos' grub.cfg. */
export const ENTRY_IDS: Record<Target, string> = {active: 'cos', passive: 'fallback', recovery: 'recovery'};

/** GRUB's decrement is a ladder of string compares: tries run 1 to MAX_TRIES. */
export const MAX_TRIES = 9;

export type EnvVars = Readonly<Record<string, string>>;
export type EnvChange = [name: string, value: string];

export const KEYS = {
  tries: (s: Slot) => `immucore_tries_${s}`,
  maxTries: (s: Slot) => `immucore_tries_max_${s}`,
  good: (s: Slot) => `immucore_good_${s}`,
  trying: 'immucore_trying',
  next: 'immucore_next',
  reason: 'immucore_fallback_reason',
  kairosEnable: 'enable_boot_assessment',
  kairosAlways: 'enable_boot_assessment_always',
  kairosTentative: 'boot_assessment_tentative',
} as const;

/** What GRUB boots and what it saves first. `entry` undefined: the snippet leaves `default` alone. */
export interface GrubDecision {
  target: Target;
  entry?: string;
  /** A counted try: the tries were decremented and saved before booting. */
  tentative: boolean;
  /** Appended to the entry's `extra_<x>_cmdline`. */
  cmdline: string[];
  changes: EnvChange[];
}

/** Tries left as GRUB's ladder reads them: anything but 1-9 is none left. */
export function parseTries(value: string | undefined): number {
  const n = Number(value);
  return /^[1-9]$/.test(value ?? '') ? n : 0;
}

/**
 * The boot GRUB makes with this block. `selectedEntry` (Kairos' grub.cfg sets it from
 * `next_entry`) is a manual choice and is never overridden: nothing is counted or saved.
 */
export function decideGrubBoot(vars: EnvVars, opts: {selectedEntry?: string} = {}): GrubDecision {
  if (opts.selectedEntry)
    return {target: targetOf(opts.selectedEntry), tentative: false, cmdline: [], changes: []};
  const env = new Env(vars);
  if (
    env.get(KEYS.kairosEnable) === 'yes' ||
    (env.get(KEYS.kairosAlways) === 'yes' && !env.get(KEYS.tries('active')))
  ) {
    // Kairos' one try of active, in our keys from here on.
    env.set(KEYS.tries('active'), '1');
    env.set(KEYS.maxTries('active'), '1');
    env.set(KEYS.good('active'), '');
    env.set(KEYS.reason, '');
    env.set(KEYS.kairosEnable, '');
    env.set(KEYS.kairosTentative, '');
  }
  const next = env.get(KEYS.next);
  const start: Target = next === 'passive' || next === 'recovery' ? next : 'active';
  let fell = false;
  for (const target of TARGETS.slice(TARGETS.indexOf(start))) {
    if (target === 'recovery') {
      if (next === 'recovery') env.set(KEYS.next, '');
      return env.boot('recovery', {tentative: false, fell});
    }
    const slot = target;
    if (env.get(KEYS.good(slot)) === 'no') {
      fell = true;
      continue;
    }
    const tries = env.get(KEYS.tries(slot));
    let left = parseTries(tries);
    if (!tries && fell && slot === 'passive' && env.get(KEYS.good('passive')) !== 'yes') {
      // Passive has never been proven since the fall: it gets the budget active had.
      left = parseTries(env.get(KEYS.maxTries('active'))) || 1;
      env.set(KEYS.maxTries('passive'), String(left));
    } else if (!tries) {
      if (env.get(KEYS.trying)) env.set(KEYS.trying, '');
      return env.boot(slot, {tentative: false, fell, quiet: !fell && start === 'active'});
    }
    if (left === 0) {
      env.set(KEYS.good(slot), 'no');
      env.set(KEYS.tries(slot), '0');
      env.set(KEYS.trying, '');
      env.set(KEYS.reason, appendReason(env.get(KEYS.reason), `${slot}:tries-exhausted`));
      fell = true;
      continue;
    }
    env.set(KEYS.tries(slot), String(left - 1));
    env.set(KEYS.trying, slot);
    return env.boot(slot, {tentative: true, fell});
  }
  throw new Error('unreachable: the walk always ends at recovery');
}

/** `immucore slot mark-good [slot]`: the slot is blessed and its trial ends. */
export function markGood(vars: EnvVars, slot: Slot): EnvChange[] {
  const env = new Env(vars);
  env.set(KEYS.good(slot), 'yes');
  env.set(KEYS.tries(slot), '');
  env.set(KEYS.maxTries(slot), '');
  env.set(KEYS.trying, '');
  // A good active ends the fallback story; a good passive keeps it (active is still bad).
  if (slot === 'active') env.set(KEYS.reason, '');
  clearKairos(env);
  return env.changes();
}

/** `immucore slot mark-bad [slot]`: the next boot falls past this slot. */
export function markBad(vars: EnvVars, slot: Slot): EnvChange[] {
  const env = new Env(vars);
  env.set(KEYS.good(slot), 'no');
  env.set(KEYS.trying, '');
  env.set(KEYS.reason, appendReason(env.get(KEYS.reason), `${slot}:marked-bad`));
  clearKairos(env);
  return env.changes();
}

/**
 * `immucore slot set-next <target> [--tries N]`: the next boots start from `target`. A slot's stale
 * state (good/bad mark, tries, the fallback reason) is reset; with `tries` it is on trial, without
 * it is trusted. Recovery is booted once.
 */
export function setNext(vars: EnvVars, target: Target, tries?: number): EnvChange[] {
  if (tries !== undefined && (!Number.isInteger(tries) || tries < 1 || tries > MAX_TRIES)) {
    throw new RangeError(`--tries ${tries} is not between 1 and ${MAX_TRIES}`);
  }
  const env = new Env(vars);
  env.set(KEYS.next, target === 'active' ? '' : target);
  env.set(KEYS.trying, '');
  if (target !== 'recovery') {
    env.set(KEYS.good(target), '');
    env.set(KEYS.tries(target), tries === undefined ? '' : String(tries));
    env.set(KEYS.maxTries(target), tries === undefined ? '' : String(tries));
    env.set(KEYS.reason, '');
  }
  clearKairos(env);
  return env.changes();
}

/** Where the state of one slot stands, for `immucore status` and `immucore slot status`. */
export interface SlotStatus {
  slot: Slot;
  state: 'trusted' | 'tentative' | 'good' | 'bad';
  triesLeft?: number;
  maxTries?: number;
  triesUsed?: number;
}

/** Each slot's standing in the block. */
export function describeSlots(vars: EnvVars): SlotStatus[] {
  return SLOTS.map((slot) => {
    const good = vars[KEYS.good(slot)] ?? '';
    const tries = vars[KEYS.tries(slot)] ?? '';
    const max = parseTries(vars[KEYS.maxTries(slot)]);
    const counts =
      tries || max
        ? {triesLeft: parseTries(tries), ...(max ? {maxTries: max, triesUsed: max - parseTries(tries)} : {})}
        : {};
    const state = good === 'no' ? 'bad' : tries ? 'tentative' : good === 'yes' ? 'good' : 'trusted';
    return {slot, state, ...counts};
  });
}

/** The variables of the block that belong to the assessment (ours and Kairos'). */
export function assessmentVars(vars: EnvVars): Record<string, string> {
  const names: string[] = [
    ...SLOTS.flatMap((s) => [KEYS.tries(s), KEYS.maxTries(s), KEYS.good(s)]),
    KEYS.trying,
    KEYS.next,
    KEYS.reason,
    KEYS.kairosEnable,
    KEYS.kairosAlways,
    KEYS.kairosTentative,
  ];
  return Object.fromEntries(names.filter((n) => vars[n]).map((n) => [n, vars[n] as string]));
}

function clearKairos(env: Env): void {
  env.set(KEYS.kairosEnable, '');
  env.set(KEYS.kairosTentative, '');
}

function appendReason(reason: string, item: string): string {
  return reason ? `${reason},${item}` : item;
}

function targetOf(entry: string): Target {
  const hit = TARGETS.find((t) => ENTRY_IDS[t] === entry);
  return hit ?? 'active';
}

/** The block's variables with the changes so far; a set to the value already there is no change. */
class Env {
  private readonly vars: Record<string, string>;
  private readonly changed = new Map<string, string>();
  constructor(vars: EnvVars) {
    this.vars = {...vars};
  }
  get(name: string): string {
    return this.vars[name] ?? '';
  }
  set(name: string, value: string): void {
    if (this.get(name) === value && !this.changed.has(name)) return;
    this.vars[name] = value;
    this.changed.set(name, value);
  }
  changes(): EnvChange[] {
    return [...this.changed];
  }
  boot(target: Target, o: {tentative: boolean; fell: boolean; quiet?: boolean}): GrubDecision {
    const cmdline: string[] = [];
    if (o.tentative) cmdline.push(`immucore.try=${target}`);
    const reason = this.get(KEYS.reason);
    if (o.fell) cmdline.push('upgrade_failure', `immucore.fallback=${reason || 'active:marked-bad'}`);
    const touched = o.tentative || o.fell || !o.quiet;
    return {
      target,
      ...(touched ? {entry: ENTRY_IDS[target]} : {}),
      tentative: o.tentative,
      cmdline,
      changes: this.changes(),
    };
  }
}
