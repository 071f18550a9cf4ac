/** RFC 6902 JSON Patch operations, with RFC 6901 pointer escaping ("/" -> "~1", "~" -> "~0"). */
export interface PatchOp {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...segments: readonly string[]): string {
  return segments.map((s) => `/${escapePointer(s)}`).join('');
}

/** Ops that make `current[key] === value` for every desired key, under map at `base`. */
export function mapPatch(
  base: readonly string[],
  current: Readonly<Record<string, string>> | undefined,
  desired: Readonly<Record<string, string>>,
): PatchOp[] {
  const keys = Object.keys(desired).filter((k) => current?.[k] !== desired[k]);
  if (keys.length === 0) return [];
  if (current === undefined) return [{ op: 'add', path: pointer(...base), value: { ...desired } }];
  return keys.map((k) => ({
    op: k in current ? ('replace' as const) : ('add' as const),
    path: pointer(...base, k),
    value: desired[k],
  }));
}
