// The layers of src/ (DESIGN.md "Layout", STYLE.md §1), checked by `npm run lint:deps` on every
// `npm test`. Paths are relative to the directory depcruise runs in (the repo root), so a rule
// reads `^src/boot/`. Unit tests (`*.test.ts`) and test helpers (`src/**/testing.ts`) may reach
// across layers to build fixtures; they are still held to no-circular.
// src/util/layers.test.ts runs these same rules on a small fixture tree and checks each one fires.

/** The files the layer rules do not apply to: unit tests and the test helpers beside the code. */
const TESTS = ['\\.test\\.ts$', '^src/.+/testing\\.ts$'];

/** `from` for the non-test files of one or more layers of src/. */
const layer = (...names) => ({path: `^src/(${names.join('|')})/`, pathNot: TESTS});

/** `to` for any file of src/ outside the given layers. */
const outside = (...names) => ({path: `^src/(?!(${names.join('|')})/)`});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle (type-only imports included) means two modules cannot be understood, tested or ' +
        'loaded one without the other, and an import cycle in ESM can see a binding before it is ' +
        'initialised. Move the shared part into the lower of the two modules, or into src/util.',
      from: {},
      to: {circular: true},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import depcruise cannot resolve is an import no layer rule can check (and one the ' +
        'compiled binary cannot load). Fix the specifier, or install the package.',
      from: {path: '^src/'},
      to: {couldNotResolve: true},
    },
    {
      name: 'util-is-a-leaf',
      severity: 'error',
      comment:
        'src/util holds small helpers every layer may use; if it imported another layer, that ' +
        'layer would become reachable from everywhere (and pure src/boot would no longer be pure).',
      from: layer('util'),
      to: outside('util'),
    },
    {
      name: 'util-no-node-modules',
      severity: 'error',
      comment:
        'src/util is shared with pure src/boot, which may not touch the machine: a node: module in ' +
        'util would smuggle fs, process or the clock into the boot decisions.',
      from: layer('util'),
      to: {dependencyTypes: ['core']},
    },
    {
      name: 'boot-is-pure',
      severity: 'error',
      comment:
        'src/boot decides the whole boot from strings (cmdline, layout file) and must stay pure so ' +
        '`immucore plan` and the unit tests run it without a machine: it may import only src/boot, ' +
        'src/util and node:path, no other node module and no npm package.',
      from: layer('boot'),
      to: {pathNot: '^(src/(boot|util)/|(node:)?path$)'},
    },
    {
      name: 'assess-is-pure',
      severity: 'error',
      comment:
        'src/assess holds the boot assessment decisions and the grubenv format: pure like src/boot, ' +
        'so the state machine is tested as a table; the block file is read and written by src/sys.',
      from: layer('assess'),
      to: {pathNot: '^(src/(assess|boot|util)/|(node:)?path$)'},
    },
    {
      name: 'sys-layer',
      severity: 'error',
      comment:
        'src/sys is the one seam to the machine; it may use boot types and util helpers, but if it ' +
        'imported the runner, the steps or the libraries above it, the fake Sys could not stand in ' +
        'for it.',
      from: layer('sys'),
      to: outside('boot', 'util', 'sys'),
    },
    {
      name: 'dag-layer',
      severity: 'error',
      comment:
        'src/dag is a generic runner of declared steps: it knows the plan types at most, never the ' +
        'machine (sys), the logger or the steps it runs, so it stays testable with plain functions.',
      from: layer('dag'),
      to: outside('boot', 'util', 'dag'),
    },
    {
      name: 'log-layer',
      severity: 'error',
      comment:
        'src/log is used by every layer that reports; if it imported any of them, most imports ' +
        'would become cycles through the logger.',
      from: layer('log'),
      to: outside('log'),
    },
    {
      name: 'inputs-layer',
      severity: 'error',
      comment:
        'src/inputs reads the boot inputs once (through sys) into the plain data src/boot plans ' +
        'from; it must not depend on the runner, the logger or the layers that consume its result.',
      from: layer('inputs'),
      to: outside('boot', 'util', 'sys', 'inputs'),
    },
    {
      name: 'libraries-layer',
      severity: 'error',
      comment:
        'src/stages, src/memory and src/report are libraries that know nothing of boot steps or ' +
        'commands: the CLI (stages run, memory check) uses them without a boot, so they may import ' +
        'only boot, util, sys, dag, log, inputs, assess and each other, never src/steps or src/cli.',
      from: layer('stages', 'memory', 'report'),
      to: outside('boot', 'util', 'sys', 'dag', 'log', 'inputs', 'stages', 'memory', 'report', 'assess'),
    },
    {
      name: 'only-sys-touches-the-machine',
      severity: 'error',
      comment:
        'Files and processes are reached only through src/sys (the Sys seam), so steps can be ' +
        'tested with the recording fake and every path stays relative to the root the boot is given.',
      from: {path: '^src/', pathNot: ['^src/sys/', ...TESTS]},
      to: {dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|child_process)$'},
    },
    {
      name: 'lazy-node-builtins',
      severity: 'error',
      comment:
        'In the compiled binary an ESM import of node:fs makes bun build its namespace, which loads ' +
        'node:stream through the lazy ReadStream/WriteStream getters (~10-25 ms of CPU on every boot), ' +
        'and node:child_process costs ~5-9 ms at load although a steady boot spawns nothing. Take them ' +
        'from src/sys/node-fs.ts (a require) and src/sys/child-process.ts (loaded at the first spawn); ' +
        '`import type` is fine.',
      from: {path: '^src/', pathNot: ['^src/sys/(node-fs|child-process)\\.ts$', ...TESTS]},
      to: {dependencyTypes: ['core'], dependencyTypesNot: ['type-only'], path: '^(node:)?(fs|child_process)$'},
    },
    {
      name: 'steps-only-from-cli',
      severity: 'error',
      comment:
        'src/steps is the glue of one boot; only the CLI starts a boot. A library that imported a ' +
        'step would pull the whole boot graph (and its side effects) into `immucore stages` or ' +
        '`memory` commands and tie the layers below to the graph.',
      from: {path: '^src/', pathNot: ['^src/(cli|steps)/', ...TESTS]},
      to: {path: '^src/steps/'},
    },
    {
      name: 'cli-only-from-cli',
      severity: 'error',
      comment:
        'src/cli is the top: it parses flags and calls one function. Anything importing it would ' +
        'load oclif and every command, and would invert the layering.',
      from: {path: '^src/', pathNot: ['^src/cli/', ...TESTS]},
      to: {path: '^src/cli/'},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    // Type-only imports count: a cycle through `import type` still couples the two modules.
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
