// The kernel command line as typed data (SPEC §2). Pure and total: a bad token becomes a Problem
// naming it and its stanza keeps the default, so a typo on the cmdline can never stop the boot.
import {BOOT_DEFAULTS, type BootConfig, type FsckMode, type FsckRepair} from './boot-config.ts';
import {
  type Apply,
  invalid,
  parseBreakToken,
  parseMountToken,
  parseStanzaKey,
  SCALAR_STANZAS,
  unknownStanza,
} from './cmdline-stanzas.ts';
import {parseRequired, parseTokens, type Token} from './cmdline-values.ts';
import {normalizePath} from './names.ts';
import type {Problem} from './problem.ts';
import {DEFAULT_OVERLAY, type Volume} from './volume.ts';

/** A token that sets one value; of several for the same slot, the highest rank, then the last, wins. */
interface Claim {
  tok: Token;
  rank: number;
  apply: Apply;
}

const FSCK_MODES: readonly FsckMode[] = ['auto', 'skip', 'force'];
const FSCK_REPAIRS: readonly FsckRepair[] = ['preen', 'yes', 'no'];

/** Parse the kernel command line into a BootConfig; never throws (SPEC §2). */
export function parseCmdline(text: string): BootConfig {
  const raw = typeof text === 'string' ? text : '';
  const cfg = defaultConfig(raw);
  const found: Array<{at: number; problem: Problem}> = [];
  const report = (tok: Token, problem: Problem | undefined) => {
    if (problem) found.push({at: tok.at, problem});
  };
  const slots = new Map<string, Claim>();
  const claim = (slot: string, tok: Token, rank: number, apply: Apply) => {
    const prev = slots.get(slot);
    if (!prev || rank >= prev.rank) slots.set(slot, {tok, rank, apply});
  };
  const mounts: Array<{volume: Volume; rank: number; at: number}> = [];

  for (const tok of parseTokens(raw)) {
    const key = parseStanzaKey(tok.key);
    if (key === undefined) {
      readOtherToken(tok, cfg, claim, report);
      continue;
    }
    // rd.immucore.X outranks rd.cos.X wherever they appear.
    const rank = key.legacy ? 0 : 1;
    const apply = SCALAR_STANZAS.get(key.name);
    if (apply) {
      claim(`rd.${key.name}`, tok, rank, apply);
    } else if (key.name === 'mount') {
      const m = parseMountToken(tok);
      if ('volume' in m) mounts.push({volume: m.volume, rank, at: tok.at});
      else report(tok, m.problem);
    } else if (key.name === 'break') {
      const b = parseBreakToken(tok);
      cfg.breakBefore = [...new Set([...cfg.breakBefore, ...b.steps])];
      for (const problem of b.problems) report(tok, problem);
    } else {
      report(tok, unknownStanza(tok, key));
    }
  }

  for (const {tok, apply} of slots.values()) report(tok, apply(tok, cfg));
  cfg.mounts = decideMounts(mounts);
  cfg.problems = found.sort((a, b) => a.at - b.at).map((f) => f.problem);
  return cfg;
}

function defaultConfig(raw: string): BootConfig {
  return {
    raw,
    imageFile: undefined,
    root: undefined,
    overlay: {...DEFAULT_OVERLAY},
    mounts: [],
    oemLabel: undefined,
    ...BOOT_DEFAULTS,
    debugRw: false,
    disable: false,
    debug: false,
    rebootOnFailure: false,
    breakBefore: [],
    live: undefined,
    netboot: false,
    fsck: {mode: 'auto', repair: 'preen'},
    activate: {lvm: true, md: true},
    consoles: [],
    configUrl: undefined,
    memory: undefined,
    dotNotation: [],
    problems: [],
  };
}

/** One volume per mountpoint: rd.immucore.mount over rd.cos.mount, then the later one; cmdline order. */
function decideMounts(mounts: Array<{volume: Volume; rank: number; at: number}>): Volume[] {
  const byTarget = new Map<string, {volume: Volume; rank: number; at: number}>();
  for (const m of mounts) {
    const prev = byTarget.get(m.volume.mountpoint);
    if (!prev || m.rank >= prev.rank) byTarget.set(m.volume.mountpoint, m);
  }
  return [...byTarget.values()].sort((a, b) => a.at - b.at).map((m) => m.volume);
}

type ClaimFn = (slot: string, tok: Token, rank: number, apply: Apply) => void;
type ReportFn = (tok: Token, problem: Problem | undefined) => void;

/** The stanzas outside rd.immucore.*: boot loader, dracut, kernel and Kairos ones. */
function readOtherToken(tok: Token, cfg: BootConfig, claim: ClaimFn, report: ReportFn): void {
  const {key, value} = tok;
  if (key === 'cos-img/filename') claim('imageFile', tok, 0, applyImageFile);
  else if (key === 'root') {
    claim('root', tok, 0, applyRoot);
    if (value?.startsWith('live:')) claim('live', tok, 0, applyLive);
  } else if (tok.text.startsWith('live:')) claim('live', tok, 0, applyLive);
  else if (tok.text === 'netboot') cfg.netboot = true;
  else if (key === 'fsck.mode') claim(key, tok, 0, oneOf(FSCK_MODES, setFsckMode));
  else if (key === 'fsck.repair') claim(key, tok, 0, oneOf(FSCK_REPAIRS, setFsckRepair));
  else if (key === 'rd.lvm') cfg.activate.lvm = isDracutSwitchOn(value);
  else if (key === 'rd.md') cfg.activate.md = isDracutSwitchOn(value);
  else if (key === 'kairos.config_url') claim('configUrl', tok, 1, applyConfigUrl);
  else if (key === 'cos.setup') claim('configUrl', tok, 0, applyConfigUrl);
  else if (key === 'console') report(tok, addConsole(tok, cfg));
  // dracut's own, read as dracut reads them: rd.break opens the shell whatever rd.shell says.
  else if (key === 'rd.shell' || key === 'rdshell') claim('shell', tok, 1, applyShell);
  else if (key === 'rd.break' || key === 'rdbreak') claim('shell', tok, 2, applyShell);
  else if (key === 'rd.emergency') claim('emergency', tok, 0, applyEmergency);
  else if (key.startsWith('stages.')) report(tok, addDotPair(tok, cfg));
}

/** dracut's getargbool: bare is on, `0`/`no`/`off` is off, any other value on (the last one wins). */
function isDracutSwitchOn(value: string | undefined): boolean {
  return value === undefined || !/^(0|no|off)$/i.test(value);
}

const applyImageFile: Apply = (tok, cfg) => {
  const v = parseRequired(tok.value);
  const path = v.ok ? normalizePath(v.value) : v;
  if (path.ok) {
    cfg.imageFile = path.path;
    return undefined;
  }
  const hint =
    'Write the image path from the root of the images partition, e.g. cos-img/filename=/cOS/active.img.';
  return invalid('Image file', tok, path.reason, 'booting without an image file', hint);
};

const applyRoot: Apply = (tok, cfg) => {
  const v = parseRequired(tok.value);
  if (v.ok) {
    cfg.root = v.value;
    return undefined;
  }
  const hint = 'Write the root device, e.g. root=LABEL=COS_ACTIVE (the boot loader normally sets it).';
  return invalid('Root', tok, v.reason, 'ignoring it', hint);
};

const applyLive: Apply = (tok, cfg) => {
  const medium =
    tok.key === 'root' ? (tok.value ?? '').slice('live:'.length) : tok.text.slice('live:'.length);
  if (medium !== '') {
    cfg.live = medium;
    return undefined;
  }
  const hint = 'Name the live medium, e.g. root=live:CDLABEL=COS_LIVE or live:LABEL=COS_RECOVERY.';
  return invalid('Live medium', tok, 'names no medium after "live:"', 'ignoring it', hint);
};

// dracut's getargbool: only 0, no and off are false; a bare flag or any other value is true.
const applyShell: Apply = (tok, cfg) => {
  cfg.shell = tok.key.endsWith('break') || !['0', 'no', 'off'].includes(tok.value ?? '');
  return undefined;
};

const applyEmergency: Apply = (tok, cfg) => {
  cfg.emergency = tok.value === '' ? undefined : tok.value;
  return undefined;
};

const applyConfigUrl: Apply = (tok, cfg) => {
  const v = parseRequired(tok.value);
  if (v.ok) {
    cfg.configUrl = v.value;
    return undefined;
  }
  const hint = `Write the URL of a cloud-config, e.g. ${tok.key}=https://example.com/config.yaml.`;
  return invalid('Config URL', tok, v.reason, 'ignoring it', hint);
};

function oneOf<T extends string>(allowed: readonly T[], set: (cfg: BootConfig, v: T) => void): Apply {
  return (tok, cfg) => {
    const v = allowed.find((a) => a === tok.value);
    if (v !== undefined) {
      set(cfg, v);
      return undefined;
    }
    const list = allowed.join(', ');
    const reason = tok.value === undefined ? 'is missing' : `"${tok.value}" is not one of ${list}`;
    const hint = `Write ${tok.key}= followed by one of ${list}, e.g. ${tok.key}=${allowed[1]}.`;
    return invalid('fsck setting', tok, reason, `using the default ${allowed[0]}`, hint);
  };
}

function setFsckMode(cfg: BootConfig, mode: FsckMode): void {
  cfg.fsck.mode = mode;
}

function setFsckRepair(cfg: BootConfig, repair: FsckRepair): void {
  cfg.fsck.repair = repair;
}

function addConsole(tok: Token, cfg: BootConfig): Problem | undefined {
  const device = (tok.value ?? '').split(',')[0] ?? '';
  if (device !== '') {
    if (!cfg.consoles.includes(device)) cfg.consoles.push(device);
    return undefined;
  }
  const reason = tok.value === undefined ? 'is missing' : 'names no device';
  const hint = 'Name a console device, e.g. console=ttyS0,115200n8 or console=tty1.';
  return invalid('Console', tok, reason, 'not painting the failure screen there', hint);
}

function addDotPair(tok: Token, cfg: BootConfig): Problem | undefined {
  if (tok.value !== undefined) {
    cfg.dotNotation.push({key: tok.key, value: tok.value});
    return undefined;
  }
  const hint = 'Write stages.<path>=<value>, e.g. stages.initramfs[0].hostname=node-1.';
  return invalid('Dot-notation cloud-config', tok, 'is missing', 'ignoring it', hint);
}
