import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = join(resolve(import.meta.dirname, '../../../..'), 'dist/core/cli/main.js');

function ziriz(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SERVER = `apiVersion: ziriz.io/v1alpha1
kind: AgentPolicy
metadata: { name: customers-inbound, namespace: payments }
spec:
  selector: { matchLabels: { app: customer-mcp } }
  inbound:
    callers: [{ name: office, cidr: 10.20.0.0/16 }]
    mcp:
      tools:
        - name: get_customer
        - name: get_all_customers
          callers: [office]
`;

describe('cli: ziriz policy test --inbound judges calls the selected pods receive', () => {
  let dir = '';
  let file = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ziriz-cli-in-'));
    file = join(dir, 'p.yaml');
    writeFileSync(file, SERVER);
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('judges by the inbound rules with the caller as the target', () => {
    const office = ziriz('policy', 'test', '-f', file, '--inbound', '--request', '{"kind":"mcp","tool":"get_all_customers","target":{"ip":"10.20.1.1"}}');
    expect(office.stdout).to.match(/ALLOW\s+inbound .* spec\.inbound\.mcp\.tools\[1\]/);
    const other = ziriz('policy', 'test', '-f', file, '--inbound', '--request', '{"kind":"mcp","tool":"get_all_customers","target":{"ip":"192.0.2.1"}}');
    expect(other.stdout).to.match(/DENY\s+inbound .* spec\.inbound\.mcp\.tools\[1\]\.callers \| caller not one of office/);
  });

  it('without --inbound judges the pods\' own calls, which this policy does not cover', () => {
    const r = ziriz('policy', 'test', '-f', file, '--request', '{"kind":"mcp","tool":"delete_customer"}');
    expect(r.stdout).to.match(/ALLOW .*no policy covers this/);
  });

  it('reads inbound: true in a cases file and refuses a non-boolean', () => {
    const cases = join(dir, 'cases.yaml');
    writeFileSync(cases, '- { inbound: true, request: { kind: mcp, tool: delete_customer, target: { ip: 10.20.1.1 } }, expect: deny }\n');
    const ok = ziriz('policy', 'test', '-f', file, '--requests', cases);
    expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.include('1 as expected, 0 unexpected');
    writeFileSync(cases, '- { inbound: "yes", request: { kind: mcp, tool: delete_customer } }\n');
    const bad = ziriz('policy', 'test', '-f', file, '--requests', cases);
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.include('inbound must be true or false');
  });

  it('shows the inbound kernel entries in policy compile', () => {
    const r = ziriz('policy', 'compile', '-f', file);
    expect(r.stdout).to.match(/calls: IN_MCP_TOOL get_customer hash=0x[0-9a-f]+ -> ALLOW/);
    expect(r.stdout).to.match(/calls: IN_MCP_TOOL get_all_customers hash=0x[0-9a-f]+ -> CHECK/);
    expect(r.stdout).to.match(/cover_enforce=0x40 /);
  });
});
