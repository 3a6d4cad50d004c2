// One stage step, from its YAML node to a StageStep. A step with an error is kept (so `stages list`
// shows it) but marked not to run: half a step, say without its `if`, could do harm.
import {isScalar} from 'yaml';
import {checkGoRegExp} from './conditions.ts';
import {LOCAL_PROVIDERS, NETWORK_PROVIDERS} from './directives/datasource.ts';
import {SUPPORTED_DIRECTIVES} from './directives.ts';
import type {FieldReader} from './fields.ts';
import {checkTemplate} from './render-step.ts';
import {DEFAULT_STEP_TIMEOUT_SEC, type StageStep} from './types.ts';
import {
  absolute,
  fieldsOf,
  listOf,
  readDirectory,
  readEntity,
  readFile,
  readLayout,
  readUser,
} from './validate-items.ts';

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const SUPPORTED: readonly string[] = SUPPORTED_DIRECTIVES;

export function emptyStep(): StageStep {
  return {
    conditions: {},
    after: [],
    commands: [],
    files: [],
    directories: [],
    environment: [],
    systemctl: {enable: [], disable: [], mask: [], start: [], overrides: []},
    timesyncd: [],
    sysctl: [],
    modules: [],
    users: [],
    ensureEntities: [],
    deleteEntities: [],
    authorizedKeys: [],
    timeoutSec: DEFAULT_STEP_TIMEOUT_SEC,
    unsupported: [],
    errors: [],
    warnings: [],
  };
}

/** Read one step at `path` (`stages.rootfs[0]`); its problems land in the reader and in `errors`. */
export function readStep(r: FieldReader, node: unknown, path: string): StageStep {
  const step = emptyStep();
  const [errorsBefore, warningsBefore] = [r.errors.length, r.warnings.length];
  const entries = r.entries(node, path, 'a step (a mapping of directives)') ?? [];
  for (const [key, value, keyNode] of entries) {
    // '' for the top level of a file (a #cloud-config file's hostname).
    const at = path ? `${path}.${key}` : key;
    if (!SUPPORTED.includes(key)) {
      step.unsupported.push(key);
      continue;
    }
    if (r.isNull(value)) continue;
    readDirective(r, step, key, value, at, keyNode);
  }
  step.errors = r.errors.slice(errorsBefore);
  step.warnings = r.warnings.slice(warningsBefore);
  return step;
}

function readDirective(
  r: FieldReader,
  step: StageStep,
  key: string,
  value: unknown,
  at: string,
  keyNode: unknown,
) {
  switch (key) {
    case 'name':
      step.name = r.string(value, at);
      break;
    case 'after':
      for (const [i, item] of (r.items(value, at, 'steps to wait for') ?? []).entries()) {
        // yip's form is `- name: <file>.<step>`; a bare string is accepted too.
        const f = isScalar(r.deref(item)) ? undefined : fieldsOf(r, item, `${at}[${i}]`, ['name']);
        const name = !f
          ? r.string(item, `${at}[${i}]`)
          : f.has('name')
            ? r.string(f.get('name'), `${at}[${i}].name`)
            : r.fail(item, `${at}[${i}].name`, 'is missing', 'Write each entry as name: <file>.<step name>.');
        if (name) step.after.push(name);
      }
      break;
    case 'if':
      step.if = templated(r, value, at, r.string(value, at));
      break;
    case 'ensure_entities':
    case 'delete_entities': {
      const list = listOf(r, value, at, 'entities', readEntity);
      if (key === 'ensure_entities') step.ensureEntities = list;
      else step.deleteEntities = list;
      break;
    }
    case 'node':
    case 'only_os':
    case 'only_os_version':
    case 'only_arch':
    case 'only_service_manager':
      readRegexCondition(r, step, key, value, at);
      break;
    case 'if_files': {
      const f = fieldsOf(r, value, at, ['all', 'any', 'none']);
      if (f)
        step.conditions.ifFiles = {
          all: r.strings(f.get('all'), `${at}.all`) ?? [],
          any: r.strings(f.get('any'), `${at}.any`) ?? [],
          none: r.strings(f.get('none'), `${at}.none`) ?? [],
        };
      break;
    }
    case 'timeout':
      step.timeoutSec = r.seconds(value, at) ?? step.timeoutSec;
      break;
    case 'commands':
      step.commands = (r.strings(value, at) ?? []).map((c, i) => templated(r, value, `${at}[${i}]`, c) ?? c);
      break;
    case 'modules':
      step.modules = r.strings(value, at) ?? [];
      break;
    case 'hostname': {
      const h = templated(r, value, at, r.string(value, at));
      // A templated name is checked once rendered, when the step runs.
      if (h !== undefined && !h.includes('{{') && !isHostname(h))
        r.fail(
          value,
          at,
          `"${h}" is not a host name`,
          'Use letters, digits, - and dots, e.g. hostname: node-1.',
        );
      else step.hostname = h;
      break;
    }
    case 'environment_file':
      step.environmentFile = absolute(r, value, at);
      break;
    case 'environment': {
      const env = r.stringMap(value, at) ?? [];
      const bad = env.find(([k]) => !ENV_KEY.test(k));
      if (bad)
        r.fail(
          value,
          `${at}.${bad[0]}`,
          'is not a variable name',
          'Use letters, digits and _, e.g. OVERLAY.',
        );
      else step.environment = env.map(([k, v]) => [k, templated(r, value, `${at}.${k}`, v) ?? v]);
      break;
    }
    case 'sysctl': {
      const sysctl = r.stringMap(value, at, {nested: true}) ?? [];
      const bad = sysctl.find(([k]) => !/^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(k) || k.includes('..'));
      if (bad)
        r.fail(
          value,
          `${at}.${bad[0]}`,
          'is not a sysctl key',
          'Write keys as in sysctl -a, e.g. vm.swappiness.',
        );
      else step.sysctl = sysctl;
      break;
    }
    case 'dns': {
      const f = fieldsOf(r, value, at, ['nameservers', 'search', 'options', 'path']);
      if (f)
        step.dns = {
          nameservers: r.strings(f.get('nameservers'), `${at}.nameservers`) ?? [],
          search: r.strings(f.get('search'), `${at}.search`) ?? [],
          options: r.strings(f.get('options'), `${at}.options`) ?? [],
          path: (f.has('path') ? absolute(r, f.get('path'), `${at}.path`) : undefined) ?? '/etc/resolv.conf',
        };
      break;
    }
    case 'timesyncd':
      step.timesyncd = r.stringMap(value, at) ?? [];
      break;
    case 'files':
      step.files = listOf(r, value, at, 'files', readFile);
      break;
    case 'directories':
      step.directories = listOf(r, value, at, 'directories', readDirectory);
      break;
    case 'systemctl':
      readSystemctl(r, step, value, at);
      break;
    case 'users':
      for (const [name, spec] of r.entries(value, at, 'a mapping of user names to users') ?? [])
        step.users.push(readUser(r, name, spec, `${at}.${name}`));
      break;
    case 'datasource': {
      const f = fieldsOf(r, value, at, ['providers', 'path', 'userdata_name']);
      const providers = [...new Set(f ? (r.strings(f.get('providers'), `${at}.providers`) ?? []) : [])];
      const unknown = providers.filter((p) => !LOCAL_PROVIDERS.includes(p) && !NETWORK_PROVIDERS.includes(p));
      if (unknown.length > 0)
        r.warn(
          value,
          `${at}.providers`,
          `names unknown providers ${unknown.join(', ')}; ignored (as yip)`,
          `Use ${[...LOCAL_PROVIDERS, ...NETWORK_PROVIDERS].join(', ')}.`,
        );
      const path = f?.has('path') ? absolute(r, f.get('path'), `${at}.path`) : undefined;
      const name = f?.has('userdata_name')
        ? r.string(f.get('userdata_name'), `${at}.userdata_name`)
        : undefined;
      if (name?.includes('/'))
        r.fail(value, `${at}.userdata_name`, 'holds a /', 'Give a file name, e.g. userdata.yaml.');
      else if (f && providers.length > 0)
        step.datasource = {
          providers: providers.filter((p) => LOCAL_PROVIDERS.includes(p) && (p !== 'file' || path)),
          skipped: providers.filter((p) => NETWORK_PROVIDERS.includes(p)),
          path: path ?? '/run/config',
          userdataName: name || 'userdata.yaml',
        };
      break;
    }
    case 'layout': {
      const layout = readLayout(r, value, at);
      if (layout && (layout.expand || layout.add.length > 0)) step.layout = layout;
      break;
    }
    case 'authorized_keys':
      for (const [user, keys] of r.entries(value, at, 'a mapping of user names to keys') ?? [])
        step.authorizedKeys.push([user, r.strings(keys, `${at}.${user}`) ?? []]);
      break;
    default:
      r.fail(keyNode, at, 'is not handled', 'Report this as an immucore bug.');
  }
}

const CONDITION_FIELDS = {
  node: 'node',
  only_os: 'onlyOs',
  only_os_version: 'onlyOsVersion',
  only_arch: 'onlyArch',
  only_service_manager: 'onlyServiceManager',
} as const;

/** A condition that is a regular expression (Go syntax, unanchored), checked here so it cannot fail later. */
function readRegexCondition(r: FieldReader, step: StageStep, key: string, value: unknown, at: string): void {
  const pattern = r.string(value, at);
  if (pattern === undefined) return;
  const bad = key === 'only_service_manager' ? undefined : checkGoRegExp(pattern);
  if (bad)
    r.fail(
      value,
      at,
      `"${pattern}" is not a regular expression: ${bad}`,
      `Write ${key} as a regular expression, e.g. ${key}: "Debian.*".`,
    );
  else step.conditions[CONDITION_FIELDS[key as keyof typeof CONDITION_FIELDS]] = pattern;
}

function readSystemctl(r: FieldReader, step: StageStep, value: unknown, at: string): void {
  const f = fieldsOf(r, value, at, ['enable', 'disable', 'mask', 'start', 'overrides']);
  if (!f) return;
  for (const verb of ['enable', 'disable', 'mask', 'start'] as const)
    if (f.has(verb)) step.systemctl[verb] = r.strings(f.get(verb), `${at}.${verb}`) ?? [];
  if (f.has('overrides'))
    for (const [i, o] of (r.items(f.get('overrides'), `${at}.overrides`, 'overrides') ?? []).entries()) {
      const of = fieldsOf(r, o, `${at}.overrides[${i}]`, ['service', 'content', 'name']);
      const service = of && r.string(of.get('service'), `${at}.overrides[${i}].service`);
      const content = of && r.string(of.get('content'), `${at}.overrides[${i}].content`);
      if (!service || content === undefined) {
        r.warn(
          o,
          `${at}.overrides[${i}]`,
          'has no service or no content, ignoring it (as yip)',
          'Give service: and content:.',
        );
        continue;
      }
      let name =
        (of?.has('name') && r.string(of.get('name'), `${at}.overrides[${i}].name`)) || 'override-yip.conf';
      if (!name.endsWith('.conf')) name += '.conf';
      const unit = /\.[a-z]+$/.test(service) ? service : `${service}.service`;
      if (unit.includes('/') || name.includes('/'))
        r.fail(
          o,
          `${at}.overrides[${i}]`,
          `"${service}" / "${name}" holds a /`,
          'Name the unit and drop-in without a path.',
        );
      else step.systemctl.overrides.push({service: unit, name, content});
    }
}

/** A field that yip renders as a Go template: a syntax error or unknown function is an error now. */
function templated(r: FieldReader, node: unknown, at: string, text: string | undefined): string | undefined {
  const bad = text === undefined ? undefined : checkTemplate(text);
  if (bad)
    r.fail(
      node,
      at,
      `is not a valid Go template (${bad})`,
      'Fix the {{ }} action (Go text/template with sprig functions), or quote the braces as {{ "{{" }}.',
    );
  return text;
}

export function isHostname(h: string): boolean {
  return h.length > 0 && h.length <= 253 && h.split('.').every((l) => HOST_LABEL.test(l));
}
