/**
 * The AgentPolicy CRD on the real API server (local control plane): it
 * installs, valid fixtures are accepted, every fixture marked
 * `rejected-by: apiserver` is refused by the schema/CEL with its message, and
 * `kubectl get agentpolicies` shows the printer columns.
 */
import { waitCrdEstablished } from '../../hack/cluster/workloads.js';
import { expect } from 'chai';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { ClusterCommandError } from '../../hack/cluster/errors.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { policyFixtures } from '../support/fixtures.js';
import { REPO } from '../support/kustomize.js';

async function kubectlFails(cluster: LocalCluster, args: string[], input?: string): Promise<string> {
  try {
    await cluster.kubectl(args, input !== undefined ? { input } : {});
  } catch (e: unknown) {
    if (e instanceof ClusterCommandError) return e.message;
    throw e;
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded; expected a refusal`);
}

describe('CRD agentpolicies.ziriz.io on the real API server', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;

  before(async function () {
    cluster = await sharedCluster(this);
    await cluster.kubectl(['apply', '-k', `${REPO}crds`]);
    await waitCrdEstablished(cluster, 'agentpolicies.ziriz.io');
    await cluster.kubectl(['create', 'namespace', 'fixtures']).catch(() => undefined);
  });

  after(async () => {
    await cluster.kubectl(['delete', 'namespace', 'fixtures', '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 }).catch(() => undefined);
  });

  for (const f of policyFixtures('valid')) {
    it(`accepts valid/${f.file}`, async () => {
      const out = await cluster.kubectl(['apply', '--dry-run=server', '-f', f.path]);
      expect(out.stdout).to.match(/created \(server dry run\)|configured \(server dry run\)/);
    });
  }

  for (const f of policyFixtures('invalid').filter((x) => x.rejectedBy === 'apiserver')) {
    it(`refuses invalid/${f.file}: "${f.message ?? ''}"`, async () => {
      const message = await kubectlFails(cluster, ['apply', '--dry-run=server', '-f', f.path]);
      expect(message).to.include(f.message ?? '<missing # message header>');
    });
  }

  it('shows mode, action, agents, enforced and age in kubectl get', async () => {
    const valid = policyFixtures('valid').find((f) => f.file === 'minimal.yaml');
    await cluster.kubectl(['apply', '-f', valid?.path ?? '']);
    const out = (await cluster.kubectl(['get', 'agentpolicies', '-n', 'fixtures'])).stdout;
    const header = out.split('\n')[0] ?? '';
    expect(header.split(/\s+/)).to.include.members(['NAME', 'MODE', 'ACTION', 'AGENTS', 'ENFORCED', 'AGE']);
    expect(out).to.match(/minimal\s+Enforce\s+Block/);
  });
});
