// Go templates in a step, rendered where yip renders them: `if`, `commands`, `environment` values
// and entity YAML with `.Values`; `hostname` with `.MachineID`, `.UUID`… yip logs a failed render
// and goes on with the raw text; we fail the step instead, naming the field and the template's
// line, so a literal `{{` never reaches a shell, a file or the host name.

import {renderTemplate} from './template/exec.ts';
import {templateFuncs} from './template/funcs.ts';
import {parseTemplate} from './template/parse.ts';
import {hostnameData, type TemplateFacts, valuesData} from './template-data.ts';
import type {StageStep} from './types.ts';

export class TemplateRenderError extends Error {
  override name = 'TemplateRenderError';
}

const CHECK_FUNCS = templateFuncs({});

/** Why `src` is not a template we can render (syntax, an unknown function), or undefined. */
export function checkTemplate(src: string): string | undefined {
  if (!src.includes('{{')) return undefined;
  try {
    renderSyntaxOnly(src);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function renderSyntaxOnly(src: string): void {
  parseTemplate(src);
  // Unknown functions are found before anything runs; render with no data and ignore run errors.
  try {
    renderTemplate(src, {}, CHECK_FUNCS);
  } catch (err) {
    if (/function ".*" not defined/.test((err as Error).message)) throw err;
  }
}

/** Does the step use a template anywhere we render one? */
export function hasTemplates(step: StageStep): boolean {
  const t = (s: string | undefined) => s?.includes('{{') ?? false;
  return (
    t(step.if) ||
    t(step.hostname) ||
    step.commands.some(t) ||
    step.environment.some(([, v]) => t(v)) ||
    step.ensureEntities.some((e) => t(e.entity)) ||
    step.deleteEntities.some((e) => t(e.entity))
  );
}

/** The step with its templates rendered; throws a TemplateRenderError naming each field that failed. */
export function renderStepTemplates(
  step: StageStep,
  facts: TemplateFacts,
  env: Readonly<Record<string, string | undefined>>,
): StageStep {
  if (!hasTemplates(step)) return step;
  const funcs = templateFuncs(env);
  const failures: string[] = [];
  const render = (field: string, src: string, data: () => unknown): string => {
    if (!src.includes('{{')) return src;
    try {
      return renderTemplate(src, data(), funcs);
    } catch (err) {
      failures.push(`${field} template "${src}" failed at ${(err as Error).message}`);
      return src;
    }
  };
  const values = () => valuesData(facts);
  const out: StageStep = {
    ...step,
    commands: step.commands.map((c, i) => render(`commands[${i}]`, c, values)),
    environment: step.environment.map(([k, v]): [string, string] => [
      k,
      render(`environment.${k}`, v, values),
    ]),
    ensureEntities: step.ensureEntities.map((e, i) => ({
      ...e,
      entity: render(`ensure_entities[${i}].entity`, e.entity, values),
    })),
    deleteEntities: step.deleteEntities.map((e, i) => ({
      ...e,
      entity: render(`delete_entities[${i}].entity`, e.entity, values),
    })),
  };
  if (step.if !== undefined) out.if = render('if', step.if, values);
  if (step.hostname !== undefined)
    out.hostname = render('hostname', step.hostname, () => hostnameData(facts));
  if (failures.length > 0) throw new TemplateRenderError(failures.join('; '));
  return out;
}
