// The cloud-config stages as typed data (yip's format, SPEC §6): what a file says, after parsing
// and validation, and where each step came from so every message can name its file and line.
import type {Problem} from '../boot/problem.ts';
import type {RootFacts, StepConditions} from './conditions.ts';
import type {LayoutSpec} from './layout-plan.ts';

/** The stages immucore runs; each runs `<stage>.before`, `<stage>`, `<stage>.after`. */
export const STAGES = ['rootfs', 'initramfs'] as const;
export type StageName = (typeof STAGES)[number];

/** `rootfs.before`, `rootfs`, `rootfs.after`: the order a stage runs its parts in. */
export function stageParts(stage: StageName): string[] {
  return [`${stage}.before`, stage, `${stage}.after`];
}

/** The directory a stage's paths and commands are seen from: the initramfs, or the new root. */
export function stageRoot(stage: StageName): string {
  return stage === 'rootfs' ? '/' : '/sysroot';
}

export const DEFAULT_STEP_TIMEOUT_SEC = 60;

export interface FileSpec {
  path: string;
  content: string;
  /** `''` (plain), `base64`, `gz+base64` / `gzip+base64` (yip names both). */
  encoding: string;
  mode: number;
  owner: number;
  group: number;
  /** `owner_string: user[:group]` (and our `group_string`): names looked up in the view's passwd/group. */
  ownerString?: string;
  groupString?: string;
}

export interface DirectorySpec {
  path: string;
  mode: number;
  owner: number;
  group: number;
}

export interface UserSpec {
  name: string;
  uid?: string;
  passwd?: string;
  groups: string[];
  primaryGroup?: string;
  homedir?: string;
  shell?: string;
  gecos?: string;
  noCreateHome: boolean;
  system: boolean;
  lockPasswd: boolean;
  sshAuthorizedKeys: string[];
}

/** `ensure_entities` / `delete_entities`: an entity (user, group, shadow, gshadow) as YAML text, and the file to edit. */
export interface EntitySpec {
  /** The file to edit instead of the kind's default (/etc/passwd…). */
  path?: string;
  /** The entity's YAML, rendered as a template before it is read. */
  entity: string;
}

export interface SystemctlSpec {
  enable: string[];
  disable: string[];
  mask: string[];
  start: string[];
  /** Drop-ins: `/etc/systemd/system/<service>.d/<name>.conf`. */
  overrides: Array<{service: string; name: string; content: string}>;
}

/** `dns`: resolv.conf as yip writes it. */
export interface DnsSpec {
  nameservers: string[];
  search: string[];
  options: string[];
  path: string;
}

/** `datasource`: the providers to try and where the user data goes (yip: /run/config). */
export interface DatasourceSpec {
  /** Those immucore can read in the initramfs: `cdrom`, `config-drive`, `file`. */
  providers: string[];
  /** The network ones named (aws, gcp…): skipped with a warning. */
  skipped: string[];
  path: string;
  userdataName: string;
}

/** One step of a stage, as validated. Empty lists and absent fields mean "nothing to do". */
export interface StageStep {
  name?: string;
  if?: string;
  /** `after:` names of the steps this one waits for (yip's `<file or config name>.<step name>`). */
  after: string[];
  /** yip's static conditions (only_os, only_arch…), decided against the stage root's facts. */
  conditions: StepConditions;
  commands: string[];
  files: FileSpec[];
  directories: DirectorySpec[];
  environment: Array<[string, string]>;
  environmentFile?: string;
  systemctl: SystemctlSpec;
  sysctl: Array<[string, string]>;
  hostname?: string;
  modules: string[];
  users: UserSpec[];
  dns?: DnsSpec;
  /** `timesyncd`: keys of the [Time] section of /etc/systemd/timesyncd.conf.d/10-yip.conf. */
  timesyncd: Array<[string, string]>;
  ensureEntities: EntitySpec[];
  deleteEntities: EntitySpec[];
  /** `layout`: grow the last partition of a disk, add partitions. */
  layout?: LayoutSpec;
  /** `datasource`: user data from a cidata/config-2 medium. */
  datasource?: DatasourceSpec;
  /** `authorized_keys`: user → keys to add to that user's ~/.ssh/authorized_keys. */
  authorizedKeys: Array<[string, string[]]>;
  /** Our own addition to yip's format: seconds for the whole step. */
  timeoutSec: number;
  /** Directives written in the step that immucore does not run (reported once per stage). */
  unsupported: string[];
  /** Errors in the step: it is not run (running half of a step could do harm, e.g. without its `if`). */
  errors: Problem[];
  warnings: Problem[];
}

/** Where a step came from: `/oem/90_custom.yaml` (line 12) `stages.rootfs[0]`. */
export interface StepOrigin {
  file: string;
  /** `stages.rootfs[0]` */
  path: string;
  line?: number;
}

export interface LocatedStep {
  step: StageStep;
  origin: StepOrigin;
}

/** One cloud-config source: a file, the config_url, or the cmdline dot notation. */
export interface StageSource {
  /** The path as seen from the stage's root, `kairos.config_url=…`, or `the kernel cmdline`. */
  file: string;
  name?: string;
  /** Steps by stage part (`rootfs.before`...), in file order. Empty when the file could not be read. */
  stages: Map<string, LocatedStep[]>;
  /** Problems that cost the whole source (a YAML syntax error) or a part of it. */
  errors: Problem[];
  warnings: Problem[];
}

/** One step in run order, with its part (`rootfs.after`) and origin. */
export interface PlannedStep extends LocatedStep {
  part: string;
  /** `rootfs.after "Merge custom layout" (/system/oem/05_layout.yaml stages.rootfs.after[0])` */
  label: string;
}

/** An unsupported directive and every step that uses it. */
export interface UnsupportedDirective {
  name: string;
  where: string[];
}

/** What a stage would run: its steps in order, the unsupported directives, the sources' problems. */
export interface StagePlan {
  stage: StageName;
  root: string;
  /** The root's facts the steps' conditions are decided on (absent when the plan was made without a root). */
  facts?: RootFacts;
  files: string[];
  steps: PlannedStep[];
  unsupported: UnsupportedDirective[];
  errors: Problem[];
  warnings: Problem[];
}
