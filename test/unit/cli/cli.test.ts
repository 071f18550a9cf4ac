import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../../..');
const CLI = join(ROOT, 'dist/core/cli/main.js');
const EXAMPLES = join(ROOT, 'docs/examples/policies');

function ziriz(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const POLICY = `apiVersion: ziriz.io/v1alpha1
kind: AgentPolicy
metadata: { name: agents, namespace: payments }
spec:
  selector: { matchLabels: { app: agent } }
  mcp:
    tools:
      - name: get_customer
      - name: get_all_customers
        arguments: { filter: { notIn: ["none"] } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
`;

const BAD = `apiVersion: ziriz.io/v1alpha1
kind: AgentPolicy
metadata: { name: bad, namespace: payments }
spec:
  selector: { matchLabels: { app: agent } }
  mcp:
    tools:
      - name: get_all_customers
        arguments: { limit: { min: 10, max: 1 } }
`;

describe('ziriz CLI (spawned)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ziriz-cli-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one line per verdict with the rule and the reason; exit 0 without expectations', () => {
    const r = ziriz('policy', 'test', '-f', join(dir, 'policy.yaml'),
      '--request', '{"kind":"mcp","tool":"get_all_customers","arguments":{"filter":"none"}}',
      '--request', '{"kind":"mcp","tool":"get_customer"}');
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.equal('-    DENY  mcp get_all_customers {"filter":"none"} | payments/agents spec.mcp.tools[1].arguments.filter | argument filter: "none" not allowed');
    expect(lines[1]).to.match(/^- {4}ALLOW mcp get_customer \{\} \| payments\/agents spec\.mcp\.tools\[0\] \|/);
    expect(lines[2]).to.equal('2 requests judged');
  });

  it('exit 1 and FAIL lines when a verdict differs from its expectation', () => {
    writeFileSync(join(dir, 'cases.yaml'), [
      '- name: bulk export', '  request: { kind: mcp, tool: get_all_customers, arguments: { filter: none } }', '  expect: allow',
      '- name: one customer', '  request: { kind: mcp, tool: get_customer }', '  expect: allow',
    ].join('\n'));
    const r = ziriz('policy', 'test', '-f', join(dir, 'policy.yaml'), '--requests', join(dir, 'cases.yaml'));
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('FAIL DENY  bulk export | payments/agents spec.mcp.tools[1].arguments.filter | argument filter: "none" not allowed (expected ALLOW)');
    expect(r.stdout).to.contain('ok   ALLOW one customer');
    expect(r.stdout.trim().split('\n').at(-1)).to.equal('2 requests: 1 as expected, 1 unexpected');
  });

  it('--output json gives one JSON object per verdict', () => {
    const r = ziriz('policy', 'test', '-f', join(dir, 'policy.yaml'), '-o', 'json', '--request', '{"kind":"mcp","tool":"nope"}');
    expect(r.status).to.equal(0);
    const v = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(v).to.include({ verdict: 'deny', policy: 'payments/agents', rule: 'spec.mcp', action: 'Block' });
  });

  it('selects policies by identity labels when the request carries them', () => {
    const r = ziriz('policy', 'test', '-f', join(dir, 'policy.yaml'),
      '--request', '{"kind":"mcp","tool":"nope","identity":{"namespace":"payments","labels":{"app":"other"}}}');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('ALLOW').and.to.contain('no policy covers this');
  });

  it('a malformed request is judged DENY (fail closed), not an error', () => {
    const r = ziriz('policy', 'test', '-f', join(dir, 'policy.yaml'), '--request', '{"kind":"mcp"}');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/DENY .*\| - request \| malformed request: tool must be a non-empty string/);
  });

  const usage: [string, string[], RegExp][] = [
    // no file
    ['no -f', ['policy', 'test', '--request', '{}'], /at least one -f FILE/],
    // unknown command
    ['unknown command', ['policy', 'frobnicate', '-f', 'x'], /unknown command/],
    // missing file
    ['missing file', ['policy', 'validate', '-f', '/nonexistent/p.yaml'], /\/nonexistent\/p\.yaml: cannot read: ENOENT/],
    // bad JSON in --request
    ['bad request JSON', ['policy', 'test', '-f', '@POLICY', '--request', '{'], /--request #1: not valid JSON/],
    // no requests
    ['no requests', ['policy', 'test', '-f', '@POLICY'], /no requests given/],
    // unknown option
    ['unknown option', ['policy', 'test', '--frob'], /Unknown option/],
    // invalid policy names the field
    ['invalid policy', ['policy', 'validate', '-f', '@BAD'], /AgentPolicy payments\/bad: spec\.mcp\.tools\[0\]\.arguments\.limit\.max: must be at least min \(10\)/],
  ];
  for (const [what, args, message] of usage) {
    it(`exit 2 with a clear message: ${what}`, () => {
      writeFileSync(join(dir, 'bad.yaml'), BAD);
      const r = ziriz(...args.map((a) => (a === '@POLICY' ? join(dir, 'policy.yaml') : a === '@BAD' ? join(dir, 'bad.yaml') : a)));
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(message);
    });
  }

  it('validate and compile describe the policy and its kernel entries', () => {
    const v = ziriz('policy', 'validate', '-f', join(dir, 'policy.yaml'));
    expect(v.status).to.equal(0);
    expect(v.stdout).to.contain('ok payments/agents');
    const c = ziriz('policy', 'compile', '-f', join(dir, 'policy.yaml'), '--policy-id', '7');
    expect(c.status, c.stderr).to.equal(0);
    expect(c.stdout).to.match(/^summary: 1 policy \(payments\/agents\); enforce: mcp;/m);
    expect(c.stdout).to.match(/^digest: sha256:[0-9a-f]{64}$/m);
    expect(c.stdout).to.contain('calls: MCP_TOOL get_customer hash=0x');
    expect(c.stdout).to.match(/calls: MCP_TOOL get_all_customers .* -> CHECK/);
    expect(c.stdout).to.match(/calls: MCP_TOOL \(default\) .* -> DENY/);
  });

  describe('example policies in docs/examples/policies judge their requests as expected', () => {
    const policies = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && !f.endsWith('.requests.yaml'));
    it('every example has a requests file', () => {
      expect(policies.length).to.be.at.least(2);
      for (const p of policies) expect(readdirSync(EXAMPLES)).to.include(p.replace(/\.yaml$/, '.requests.yaml'));
    });
    for (const p of policies) {
      it(p, () => {
        const r = ziriz('policy', 'test', '-f', join(EXAMPLES, p), '--requests', join(EXAMPLES, p.replace(/\.yaml$/, '.requests.yaml')));
        expect(r.status, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout).not.to.contain('FAIL');
        expect(r.stdout).to.match(/requests: \d+ as expected, 0 unexpected/);
      });
    }
  });
});
