const stub = process.argv[2] === 'stub';
const r = await Bun.build({
  entrypoints: ['tmpdep/dep.ts'],
  compile: {outfile: '/tmp/hw/dep'},
  bytecode: true, format: 'esm', minify: {whitespace: true, syntax: true},
  plugins: stub ? [{name: 'stub', setup(b) {
    b.onResolve({filter: /^(sonic-boom|thread-stream)$/}, (a) => ({path: a.path, namespace: 'stub'}));
    b.onLoad({filter: /.*/, namespace: 'stub'}, (a) => ({contents: `module.exports = function ${a.path.replace('-', '_')}() { throw new Error('${a.path} is not in this build'); };`, loader: 'js'}));
  }}] : [],
});
console.log(r.success, r.logs.map(String));
