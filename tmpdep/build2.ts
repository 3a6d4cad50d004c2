const [entry, out, mode] = process.argv.slice(2);
const STUBS: Record<string, string> = {
  'sonic-boom': `module.exports = function SonicBoom() { throw new Error('sonic-boom is not in this build'); };`,
  'thread-stream': `module.exports = function ThreadStream() { throw new Error('thread-stream is not in this build'); };`,
  './transport': `module.exports = function transport() { throw new Error('pino transports are not in this build'); };`,
  'on-exit-leak-free': `module.exports = {register() {}, unregister() {}};`,
  'worker_threads': `module.exports = {isMainThread: true};`,
};
const r = await Bun.build({
  entrypoints: [entry],
  compile: {outfile: out},
  bytecode: true, format: 'esm', minify: {whitespace: true, syntax: true}, splitting: true,
  external: ['typescript', 'ts-node'],
  plugins: mode === 'stub' ? [{name: 'stub', setup(b) {
    b.onResolve({filter: /^(sonic-boom|thread-stream|on-exit-leak-free|worker_threads|\.\/transport)$/}, (a) => a.importer.includes('/pino/') ? ({path: a.path, namespace: 'stub'}) : undefined);
    b.onLoad({filter: /.*/, namespace: 'stub'}, (a) => ({contents: STUBS[a.path]!, loader: 'js'}));
  }}] : [],
});
console.log(r.success, r.logs.map(String));
