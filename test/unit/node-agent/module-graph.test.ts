/**
 * The node agent must not load @kubernetes/client-node at run time (its
 * generated models cost ~86 MB RSS; the agent's budget with 110 pods is
 * 150 MB): its entry module is loaded in a fresh Node process with a resolve
 * hook that records every module, and the modules' RSS cost is measured.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../support/kustomize.js';

const TRACE = join(REPO, 'dist/test/support/module-trace.js');

/** Every module URL a fresh `node <args>` resolves. */
function modulesLoadedBy(args: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ziriz-modules-'));
  try {
    const out = join(dir, 'trace');
    execFileSync(process.execPath, ['--import', TRACE, ...args], { env: { ...process.env, ZIRIZ_MODULE_TRACE: out }, stdio: 'pipe', timeout: 30_000 });
    return readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS (MB) of a fresh process after importing `module` (or nothing) and collecting garbage. */
function rssAfterImport(module: string | null): number {
  const script = `${module ? `await import(${JSON.stringify(module)});` : ''} gc(); await new Promise((r) => setTimeout(r, 200)); gc();
    process.stdout.write(String(process.memoryUsage().rss));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: REPO, timeout: 30_000 });
  return Number(out.toString()) / 1024 / 1024;
}

const clientNode = (urls: readonly string[]): string[] => urls.filter((u) => u.includes('/node_modules/@kubernetes/client-node/'));

describe('node agent: module graph', function () {
  this.timeout(60_000);

  it('loading the entry module (dist/node-agent/src/main.js) does not load @kubernetes/client-node', () => {
    const urls = modulesLoadedBy([join(REPO, 'dist/node-agent/src/main.js'), '--help']);
    expect(urls.some((u) => u.endsWith('/node-agent/src/agent/agent.js')), 'the agent itself was loaded').to.equal(true);
    expect(urls.some((u) => u.endsWith('/core/kube/lean/client.js')), 'the lean client was loaded').to.equal(true);
    expect(clientNode(urls)).to.deep.equal([]);
    expect(urls.filter((u) => u.includes('/node_modules/yaml/')), 'yaml only when a kubeconfig file is parsed').to.deep.equal([]);
  });

  it('the trace does see client-node where it is loaded (the webhook)', () => {
    const urls = modulesLoadedBy(['--input-type=module', '-e', `await import(${JSON.stringify(join(REPO, 'dist/webhook/src/kube.js'))});`]);
    expect(clientNode(urls)).to.not.deep.equal([]);
  });

  it('the agent modules cost far less RSS than client-node alone', () => {
    const bare = rssAfterImport(null);
    const agent = rssAfterImport(join(REPO, 'dist/node-agent/src/agent/agent.js'));
    const withClientNode = rssAfterImport('@kubernetes/client-node');
    process.stdout.write(`      RSS: node ${bare.toFixed(1)} MB, + node agent modules ${agent.toFixed(1)} MB, + client-node alone ${withClientNode.toFixed(1)} MB\n`);
    expect(agent - bare).to.be.below(withClientNode - bare);
    expect(agent - bare).to.be.below(60);
  });
});
