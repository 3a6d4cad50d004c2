// Where a stage's cloud-configs come from, in order (SPEC §6): every *.yaml/*.yml in /system/oem,
// /oem and /usr/local/cloud-config as seen from the stage's root (lexical order per directory),
// then kairos.config_url (a local path or file://), then the cmdline dot notation.
import type {BootConfig} from '../boot/boot-config.ts';
import {error, type Problem, warning} from '../boot/problem.ts';
import {parseDotNotation} from './dot-notation.ts';
import {configFromData, parseCloudConfig} from './parse-config.ts';
import type {StageSource} from './types.ts';
import type {StageView} from './view.ts';

export const SOURCE_DIRS = ['/system/oem', '/oem', '/usr/local/cloud-config'];
export const CMDLINE_SOURCE = 'the kernel cmdline';

export interface LoadedSources {
  sources: StageSource[];
  /** Problems outside any one source: an unusable config_url. */
  errors: Problem[];
  warnings: Problem[];
}

/** Read and parse every source a stage sees; a source that cannot be read is an error, not a stop. */
export async function loadStageSources(
  view: StageView,
  config: Pick<BootConfig, 'configUrl' | 'dotNotation'>,
): Promise<LoadedSources> {
  const out: LoadedSources = {sources: [], errors: [], warnings: []};
  for (const dir of SOURCE_DIRS) {
    const names = (await view.sys.readdir(await view.resolve(dir)).catch(() => undefined)) ?? [];
    for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort())
      out.sources.push(await loadFile(view, `${dir}/${name}`));
  }
  if (config.configUrl !== undefined) {
    const url = decideConfigUrl(config.configUrl);
    if (url.kind === 'path')
      out.sources.push(await loadFile(view, url.path, `kairos.config_url=${config.configUrl}`));
    else (url.kind === 'remote' ? out.warnings : out.errors).push(url.problem);
  }
  if (config.dotNotation.length > 0) {
    const {data, errors} = parseDotNotation(config.dotNotation);
    const source = configFromData(data, CMDLINE_SOURCE);
    source.errors.unshift(...errors);
    out.sources.push(source);
  }
  return out;
}

async function loadFile(view: StageView, file: string, label = file): Promise<StageSource> {
  try {
    const text = await view.sys.readText(await view.resolve(file));
    if (text !== undefined) return parseCloudConfig(text, label);
    const why = `${label}: ${file} does not exist in ${view.root}`;
    return failed(
      label,
      error(label, `${why}; no config read from it`, 'Check the path given by kairos.config_url.'),
    );
  } catch (err) {
    const why = `${label}: cannot read ${file}: ${(err as Error).message}`;
    return failed(label, error(label, `${why}; skipping it`, `Make ${file} a readable file.`));
  }
}

function failed(file: string, problem: Problem): StageSource {
  return {file, stages: new Map(), errors: [problem], warnings: []};
}

type ConfigUrl = {kind: 'path'; path: string} | {kind: 'remote' | 'invalid'; problem: Problem};

/** `kairos.config_url`: a local path or file:// is read; http(s) is not fetched in the initramfs. */
export function decideConfigUrl(url: string): ConfigUrl {
  const token = `kairos.config_url=${url}`;
  if (url.startsWith('file://')) return {kind: 'path', path: decodeURIComponent(url.slice('file://'.length))};
  if (url.startsWith('/')) return {kind: 'path', path: url};
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const msg = `${token}: fetching a config over the network is not supported in the initramfs stages, ignoring it`;
    const hint =
      'The installed system fetches it in a later stage; for the rootfs/initramfs stages put the config in /oem or give a file:// path.';
    return {kind: 'remote', problem: warning(token, msg, hint)};
  }
  const msg = `${token}: "${url}" is neither an absolute path nor a URL, ignoring it`;
  return {
    kind: 'invalid',
    problem: error(token, msg, 'Write kairos.config_url=/oem/config.yaml or file:///oem/config.yaml.'),
  };
}
