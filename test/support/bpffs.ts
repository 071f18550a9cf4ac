/** A private bpffs directory for one test's pinned maps and links, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';

export interface PinRoot {
  readonly dir: string;
  remove(): void;
}

export function tempPinRoot(prefix = 'ziriz-test-'): PinRoot {
  const dir = mkdtempSync(`/sys/fs/bpf/${prefix}`);
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
