/** The AgentPolicy fixtures (test/fixtures/agentpolicy), with their expected outcome headers. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './kustomize.js';

export interface PolicyFixture {
  readonly file: string;
  readonly path: string;
  readonly text: string;
  /** For invalid fixtures: who must refuse it, and a substring of the message. */
  readonly rejectedBy?: 'apiserver' | 'webhook';
  readonly message?: string;
}

export function policyFixtures(kind: 'valid' | 'invalid'): PolicyFixture[] {
  const dir = join(REPO, 'test/fixtures/agentpolicy', kind);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const by = /^# rejected-by: (apiserver|webhook)$/m.exec(text)?.[1] as 'apiserver' | 'webhook' | undefined;
    const message = /^# message: (.+)$/m.exec(text)?.[1];
    return { file, path, text, ...(by ? { rejectedBy: by } : {}), ...(message ? { message } : {}) };
  });
}
