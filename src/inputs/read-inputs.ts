// Everything a boot or a command reads from the machine to decide what to do, read here and only
// here, through the sys seam: the kernel command line, the layout files, the cloud-config sources
// (for the stages and the memory policy alike) and MemTotal. The decisions are the pure functions
// of src/boot, src/stages and src/memory.
import path from 'node:path';
import type {BootConfig} from '../boot/boot-config.ts';
import {parseCmdline} from '../boot/cmdline.ts';
import {CONFIG_SOURCE_DIRS, decideConfigUrl} from '../boot/config-url.ts';
import {UsageError} from '../boot/errors.ts';
import {EXTRA_LAYOUT_FILE, LAYOUT_FILE, type LayoutFiles} from '../boot/layout.ts';
import {error, type Problem} from '../boot/problem.ts';
import {RootView} from '../sys/root-view.ts';
import type {Sys} from '../sys/sys.ts';

/** The kernel command line of this boot (under the Sys root). */
export const CMDLINE_FILE = '/proc/cmdline';
export const MEMINFO_FILE = '/proc/meminfo';

/** One cloud-config source: its text, or why it could not be read. */
export type ConfigSourceText =
  | {label: string; file: string; text: string}
  | {label: string; file: string; problem: Problem};

export interface ConfigSources {
  /** In the stages' order (SPEC §6): each directory lexically, then a local kairos.config_url. */
  sources: ConfigSourceText[];
  /** An unusable kairos.config_url (remote: a warning; invalid: an error). */
  problems: Problem[];
}

export interface InputsWanted {
  /** The cmdline text to use instead of the machine's (`immucore plan --cmdline`). */
  cmdline?: string;
  /** Read the layout files: the machine's, or these files (paths on the real machine). */
  layout?: true | {layoutFile?: string; extraFile?: string};
}

export interface Inputs {
  config: BootConfig;
  layout?: LayoutFiles;
}

/**
 * What a boot or a command starts from: the cmdline, and the layout files when asked (a boot reads
 * those later, once the rootfs stage has run: readLayoutFiles). The reads go out together.
 */
export async function readInputs(sys: Sys, want: InputsWanted = {}): Promise<Inputs> {
  const [cmdline, layout] = await Promise.all([
    want.cmdline ?? readCmdlineText(sys),
    want.layout === undefined
      ? undefined
      : want.layout === true
        ? readLayoutFiles(sys)
        : readGivenLayoutFiles(sys, want.layout),
  ]);
  return {config: parseCmdline(cmdline), ...(layout === undefined ? {} : {layout})};
}

/** The kernel command line's text ('' when it cannot be read): the one reader of CMDLINE_FILE. */
export async function readCmdlineText(sys: Sys): Promise<string> {
  return (await sys.readText(CMDLINE_FILE)) ?? '';
}

/** The layout files the rootfs stage may have written; undefined = no such file (SPEC §5). */
export async function readLayoutFiles(sys: Sys): Promise<LayoutFiles> {
  const [layout, extra] = await Promise.all([sys.readText(LAYOUT_FILE), sys.readText(EXTRA_LAYOUT_FILE)]);
  return {...(layout === undefined ? {} : {layout}), ...(extra === undefined ? {} : {extra})};
}

export async function readMeminfo(sys: Sys): Promise<string | undefined> {
  return sys.readText(MEMINFO_FILE).catch(() => undefined);
}

/** Layout files named on a command line: they must exist. */
async function readGivenLayoutFiles(
  sys: Sys,
  files: {layoutFile?: string; extraFile?: string},
): Promise<LayoutFiles> {
  const read = async (file: string | undefined, what: string) => {
    if (file === undefined) return undefined;
    const text = await sys.readText(path.resolve(file));
    if (text === undefined) {
      throw new UsageError(`Cannot read ${what} "${file}": no such file`, {
        hint: 'Pass an existing file, or leave the flag out to use the defaults.',
      });
    }
    return text;
  };
  const [layout, extra] = await Promise.all([
    read(files.layoutFile, 'the layout file'),
    read(files.extraFile, 'the extra layout file'),
  ]);
  return {...(layout === undefined ? {} : {layout}), ...(extra === undefined ? {} : {extra})};
}

const MAX_WALK_DEPTH = 16;

/**
 * The *.yaml/*.yml files under `dir` (as seen in the view), in the order yip's vfs.Walk visits
 * them: each directory's entries by name, a subdirectory walked where its name sorts. Symlinks
 * below `dir` are not followed into directories (Walk uses lstat); `dir` itself may be a link.
 */
export async function walkYaml(sys: Sys, view: RootView, dir: string): Promise<string[]> {
  const walk = async (shown: string, real: string, depth: number): Promise<string[]> => {
    const names = (await sys.readdir(real).catch(() => undefined)) ?? [];
    const out: string[] = [];
    for (const name of [...names].sort()) {
      if (/\.ya?ml$/.test(name)) {
        out.push(`${shown}/${name}`);
        continue;
      }
      const realFile = `${real}/${name}`;
      if (depth >= MAX_WALK_DEPTH || (await sys.readlink(realFile)) !== undefined) continue;
      if ((await sys.readdir(realFile).catch(() => undefined)) !== undefined)
        out.push(...(await walk(`${shown}/${name}`, realFile, depth + 1)));
    }
    return out;
  };
  return walk(dir, await view.resolve(dir), 0);
}

/**
 * Every cloud-config source as seen from `root` (symlinks followed inside it): the *.yaml/*.yml of
 * each source directory in lexical order, then a local kairos.config_url. The reads go out together.
 */
export async function readConfigSources(sys: Sys, root: string, configUrl?: string): Promise<ConfigSources> {
  const view = new RootView(sys, root);
  const readOne = async (file: string, label = file): Promise<ConfigSourceText[]> => {
    try {
      const text = await sys.readText(await view.resolve(file));
      if (text !== undefined) return [{label, file, text}];
      const why = `${label}: ${file} does not exist in ${root}`;
      return [
        {
          label,
          file,
          problem: error(
            label,
            `${why}; no config read from it`,
            'Check the path given by kairos.config_url.',
          ),
        },
      ];
    } catch (err) {
      const why = `${label}: cannot read ${file}: ${(err as Error).message}`;
      return [{label, file, problem: error(label, `${why}; skipping it`, `Make ${file} a readable file.`)}];
    }
  };
  const inDir = async (dir: string) => {
    const files = await walkYaml(sys, view, dir);
    return (await Promise.all(files.map((f) => readOne(f)))).flat();
  };
  const reads = CONFIG_SOURCE_DIRS.map(inDir);
  const problems: Problem[] = [];
  if (configUrl !== undefined) {
    const url = decideConfigUrl(configUrl);
    if (url.kind === 'path') reads.push(readOne(url.path, `kairos.config_url=${configUrl}`));
    else problems.push(url.problem);
  }
  return {sources: (await Promise.all(reads)).flat(), problems};
}
