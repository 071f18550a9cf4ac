import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../../node-agent/src/runtime.js';
import { REPO } from '../../support/kustomize.js';

const MAIN = '/app/dist/node-agent/src/main.js';

describe('node agent runtime: the images run Node with the flags and environment of node-agent/src/runtime.ts', () => {
  it('offline image spec (hack/images/specs/ziriz-node-agent.sh)', () => {
    const spec = readFileSync(join(REPO, 'hack/images/specs/ziriz-node-agent.sh'), 'utf8');
    expect(spec).to.include(`IMAGE_ENTRYPOINT=(/usr/local/bin/node ${AGENT_NODE_FLAGS.join(' ')} ${MAIN})`);
    for (const [k, v] of Object.entries(AGENT_ENV)) expect(spec).to.match(new RegExp(`IMAGE_ENV=\\([^)]*\\b${k}=${v}\\b`));
  });

  it('Dockerfile (node-agent/Dockerfile)', () => {
    const docker = readFileSync(join(REPO, 'node-agent/Dockerfile'), 'utf8');
    expect(docker).to.include(`ENTRYPOINT ${JSON.stringify(['/usr/local/bin/node', ...AGENT_NODE_FLAGS, MAIN]).replace(/","/g, '", "')}`);
    // The final stage's ENV (the last one in the file), continuation lines included.
    const env = [...docker.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)].at(-1)?.[1] ?? '';
    for (const [k, v] of Object.entries(AGENT_ENV)) expect(env).to.match(new RegExp(`\\b${k}=${v}\\b`));
  });
});
