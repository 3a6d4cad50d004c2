import {describe, expect, it} from 'vitest';
import {renderTemplate} from './exec.ts';
import {sprintf, templateFuncs} from './funcs.ts';

const funcs = templateFuncs({HOME: '/root', EMPTY: ''});
const data = {
  MachineID: '0123456789abcdef0123456789abcdef',
  Values: {
    os: {name: 'Debian GNU/Linux 12 (bookworm)', vendor: 'debian', version: '12'},
    node: {hostname: 'kairos-ab12', machineid: 'abc'},
    cpu: {cpus: 2, threads: 4},
    storage: [
      {name: 'vda', size: 8},
      {name: 'vdb', size: 2},
    ],
    network: [],
    labels: {b: 'two', a: 'one'},
    flag: true,
    zero: 0,
    text: '  padded  ',
  },
};
const render = (t: string, d: unknown = data) => renderTemplate(t, d, funcs);

describe('renderTemplate', () => {
  const valid: Array<[name: string, template: string, want: string]> = [
    ['plain text is left alone', 'no actions here', 'no actions here'],
    ['a field', '{{ .MachineID }}', '0123456789abcdef0123456789abcdef'],
    ['a nested field', '{{.Values.os.name}}', 'Debian GNU/Linux 12 (bookworm)'],
    ['Kairos hostname pattern', 'kairos-{{ trunc 4 .MachineID }}', 'kairos-0123'],
    ['trunc in a pipeline', '{{ .MachineID | trunc 6 }}', '012345'],
    ['trunc negative keeps the end', '{{ trunc -4 .MachineID }}', 'cdef'],
    ['trunc longer than the string', '{{ trunc 99 "abc" }}', 'abc'],
    ['lower', '{{ lower "ABC" }}', 'abc'],
    ['upper in a pipeline', '{{ .Values.os.vendor | upper }}', 'DEBIAN'],
    ['replace', '{{ replace " " "-" .Values.os.name }}', 'Debian-GNU/Linux-12-(bookworm)'],
    ['replace piped', '{{ .Values.node.hostname | replace "kairos" "node" }}', 'node-ab12'],
    ['trim', '[{{ trim .Values.text }}]', '[padded]'],
    ['trimPrefix', '{{ trimPrefix "kairos-" .Values.node.hostname }}', 'ab12'],
    ['trimSuffix', '{{ trimSuffix "12" .Values.node.hostname }}', 'kairos-ab'],
    ['quote', '{{ quote .Values.os.vendor }}', '"debian"'],
    ['quote escapes', '{{ quote "a\\"b" }}', '"a\\"b"'],
    ['squote', '{{ .Values.os.vendor | squote }}', "'debian'"],
    ['default for a missing key', '{{ .Values.nothing | default "x" }}', 'x'],
    ['default for an empty string', '{{ default "x" "" }}', 'x'],
    ['default keeps a value', '{{ default "x" .Values.os.vendor }}', 'debian'],
    ['default for zero', '{{ default 5 .Values.zero }}', '5'],
    ['env', '{{ env "HOME" }}', '/root'],
    ['env unset is empty', '[{{ env "NOPE" }}]', '[]'],
    ['index on a map', '{{ index .Values.labels "a" }}', 'one'],
    ['index on a list', '{{ (index .Values.storage 1).name }}', 'vdb'],
    ['index nested', '{{ index .Values "os" "vendor" }}', 'debian'],
    ['printf %s %d', '{{ printf "%s-%d" "node" 7 }}', 'node-7'],
    ['printf %05d', '{{ printf "%05d" 42 }}', '00042'],
    ['printf %q', '{{ printf "%q" "a b" }}', '"a b"'],
    ['printf %v of a list', '{{ printf "%v" (list 1 2) }}', '[1 2]'],
    ['printf %x', '{{ printf "%x" 255 }}', 'ff'],
    ['printf %.2f', '{{ printf "%.2f" 3.14159 }}', '3.14'],
    ['printf %-5s|', '{{ printf "%-5s|" "ab" }}', 'ab   |'],
    ['printf %%', '{{ printf "100%%" }}', '100%'],
    ['if true', '{{ if .Values.flag }}yes{{ end }}', 'yes'],
    ['if false with else', '{{ if .Values.zero }}yes{{ else }}no{{ end }}', 'no'],
    [
      'else if',
      '{{ if eq .Values.os.vendor "suse" }}s{{ else if eq .Values.os.vendor "debian" }}d{{ else }}o{{ end }}',
      'd',
    ],
    ['if on a missing key is false', '{{ if .Values.nothing }}y{{ else }}n{{ end }}', 'n'],
    ['if on an empty list is false', '{{ if .Values.network }}y{{ else }}n{{ end }}', 'n'],
    ['not', '{{ if not .Values.flag }}y{{ else }}n{{ end }}', 'n'],
    ['and returns the first false', '{{ and 1 0 2 }}', '0'],
    ['or returns the first true', '{{ or "" "b" "c" }}', 'b'],
    ['eq with several', '{{ eq "b" "a" "b" }}', 'true'],
    ['ne', '{{ ne 1 2 }}', 'true'],
    ['lt and gt', '{{ lt 1 2 }} {{ gt 1 2 }}', 'true false'],
    ['le ge on strings', '{{ le "a" "a" }} {{ ge "a" "b" }}', 'true false'],
    ['range over a list', '{{ range .Values.storage }}{{ .name }},{{ end }}', 'vda,vdb,'],
    [
      'range with index and value',
      '{{ range $i, $d := .Values.storage }}{{ $i }}={{ $d.name }} {{ end }}',
      '0=vda 1=vdb ',
    ],
    [
      'range over a map is sorted by key',
      '{{ range $k, $v := .Values.labels }}{{ $k }}:{{ $v }} {{ end }}',
      'a:one b:two ',
    ],
    ['range else on an empty list', '{{ range .Values.network }}x{{ else }}none{{ end }}', 'none'],
    ['range over an integer', '{{ range 3 }}{{ . }}{{ end }}', '012'],
    ['with sets dot', '{{ with .Values.os }}{{ .vendor }}{{ end }}', 'debian'],
    ['with else', '{{ with .Values.nothing }}x{{ else }}none{{ end }}', 'none'],
    ['variables', '{{ $v := .Values.os.vendor }}{{ $v }}-{{ $v | upper }}', 'debian-DEBIAN'],
    ['assign to a variable', '{{ $v := 1 }}{{ if true }}{{ $v = 2 }}{{ end }}{{ $v }}', '2'],
    [
      '$ is the root inside range',
      '{{ range .Values.storage }}{{ $.Values.os.vendor }}{{ end }}',
      'debiandebian',
    ],
    ['trim markers', 'a  {{- "b" -}}  c', 'abc'],
    ['trim markers across lines', 'x\n{{- if true }}\ny{{ end -}}\n', 'x\ny'],
    ['a comment', 'a{{/* nothing */}}b', 'ab'],
    ['a trimmed comment', 'a {{- /* c */ -}} b', 'ab'],
    ['raw string', '{{ `a\\nb` }}', 'a\\nb'],
    ['string escapes', '{{ "a\\tb" }}', 'a\tb'],
    ['parenthesised pipeline', '{{ (printf "%s" "x" | upper) }}', 'X'],
    ['len of a list and a map', '{{ len .Values.storage }} {{ len .Values.labels }}', '2 2'],
    ['numbers print as Go does', '{{ .Values.cpu.cpus }} {{ 1.5 }}', '2 1.5'],
    ['booleans', '{{ true }} {{ false }}', 'true false'],
    ['a map prints as Go does', '{{ .Values.labels }}', 'map[a:one b:two]'],
    ['join and list', '{{ join "," (list "a" "b") }}', 'a,b'],
    ['splitList', '{{ index (splitList "-" "a-b-c") 2 }}', 'c'],
    [
      'contains and hasPrefix',
      '{{ contains "GNU" .Values.os.name }} {{ hasPrefix "Deb" .Values.os.name }}',
      'true true',
    ],
    ['regexMatch', '{{ regexMatch "^Debian" .Values.os.name }}', 'true'],
    ['regexReplaceAll', '{{ regexReplaceAll "[^a-z0-9]+" "Node 1!" "-" }}', '-ode-1-'],
    ['b64enc and b64dec', '{{ "hi" | b64enc }} {{ "aGk=" | b64dec }}', 'aGk= hi'],
    ['sha256sum', '{{ "" | sha256sum | trunc 8 }}', 'e3b0c442'],
    ['ternary', '{{ ternary "a" "b" .Values.flag }}', 'a'],
    ['coalesce', '{{ coalesce .Values.nothing "" "z" }}', 'z'],
    ['dict and get', '{{ get (dict "k" "v") "k" }}', 'v'],
    ['add and sub', '{{ add 1 2 3 }} {{ sub 5 2 }}', '6 3'],
    ['nindent', 'a:{{ "x\\ny" | nindent 2 }}', 'a:\n  x\n  y'],
    ['substr', '{{ substr 1 3 "abcd" }}', 'bc'],
    ['nospace and title', '{{ nospace "a b c" }} {{ title "hello world" }}', 'abc Hello World'],
    ['print joins operands', '{{ print "a" 1 }}', 'a1'],
    ['a multi-line template keeps its text', 'line1\n{{ .Values.os.vendor }}\nline3', 'line1\ndebian\nline3'],
  ];
  it.each(valid)('%s', (_name, template, want) => {
    expect(render(template)).toBe(want);
  });

  const invalid: Array<[name: string, template: string, error: RegExp]> = [
    ['an unclosed action', 'a {{ .MachineID', /line 1: unclosed action/],
    ['an unknown function', '{{ frobnicate 1 }}', /function "frobnicate" not defined/],
    ['a missing key printed', '{{ .Values.os.nmae }}', /line 1: the value is missing \(no such key\)/],
    [
      'a field of a missing key',
      '{{ .Values.nothing.deeper }}',
      /nil pointer evaluating \.Values\.nothing\.deeper/,
    ],
    ['a field of a string', '{{ .MachineID.x }}', /can't evaluate field x in \.MachineID/],
    ['if without end', '{{ if true }}x', /missing \{\{end\}\}/],
    ['an end too many', 'x{{ end }}', /unexpected \{\{end\}\}/],
    ['else outside if', '{{ else }}', /unexpected \{\{else\}\}/],
    ['an undefined variable', '{{ $nope }}', /undefined variable: \$nope/],
    ['an argument to a field', '{{ .MachineID 1 }}', /can't give argument to non-function \.MachineID/],
    ['an unterminated string', '{{ "abc }}', /unterminated quoted string/],
    ['a bad escape', '{{ "\\q" }}', /unknown escape sequence/],
    [
      'the wrong argument count',
      '{{ trunc 4 }}',
      /error calling trunc: wrong number of args for trunc: want 2 got 1/,
    ],
    ['index out of range', '{{ index .Values.storage 5 }}', /error calling index: index out of range: 5/],
    ['range over a string', '{{ range "abc" }}x{{ end }}', /range can't iterate over abc/],
    ['an empty action', '{{ }}', /missing value for command/],
    ['an unclosed paren', '{{ (upper "a" }}', /unclosed left paren/],
    ['define is not supported', '{{ define "x" }}{{ end }}', /\{\{define\}\} is not supported/],
    ['the line of the error', 'a\nb\n{{ nope }}', /^line 3: /],
    ['lt on different types', '{{ lt 1 "a" }}', /incompatible types/],
    ['len of nil', '{{ len .Values.nothing }}', /len of nil/],
  ];
  it.each(invalid)('fails on %s', (_name, template, error) => {
    expect(() => render(template)).toThrow(error);
  });

  it('the table holds at least 60 cases, errors included', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(60);
    expect(invalid.length).toBeGreaterThanOrEqual(15);
  });
});

describe('sprintf', () => {
  it('marks missing and extra operands as Go does', () => {
    expect(sprintf('%s %s', 'a')).toBe('a %!s(MISSING)');
    expect(sprintf('%s', 'a', 'b')).toBe('a%!(EXTRA b)');
  });
});
