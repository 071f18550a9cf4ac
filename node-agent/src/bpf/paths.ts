/** Where the built BPF objects are: $ZIRIZ_BPF_DIR, else the repo's bpf/build. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function bpfDir(): string {
  const fromEnv = process.env.ZIRIZ_BPF_DIR;
  if (fromEnv) return resolve(fromEnv);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../../../../bpf/build'), join(here, '../../../bpf/build')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? 'bpf/build';
}

/** Path of `<name>.bpf.o`. */
export function bpfObject(name: string): string {
  return join(bpfDir(), `${name}.bpf.o`);
}
