/**
 * Gates for tests that need the real machine (root, BPF, cgroups, a built
 * cluster). Outside CI a test whose prerequisite is missing is skipped with
 * the reason; in CI (CI=true) it FAILS instead, so nothing is skipped silently.
 */
export const inCI = process.env.CI === 'true';

export class PrerequisiteMissing extends Error {
  constructor(what: string) {
    super(`prerequisite missing: ${what}`);
    this.name = 'PrerequisiteMissing';
  }
}

/** Skip (locally) or fail (CI) the current test or suite when `ok` is false. */
export function need(ctx: Mocha.Context, ok: boolean, what: string): void {
  if (ok) return;
  if (inCI) throw new PrerequisiteMissing(what);
  ctx.skip();
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The common gate for kernel tests: root is required for real BPF, cgroups and namespaces. */
export function needRoot(ctx: Mocha.Context): void {
  need(ctx, isRoot(), 'root (kernel tests load real BPF programs and create cgroups/namespaces)');
}
