/**
 * Progress output of the demo: one line when a step starts, a line every
 * 10 s while it runs (long steps: image builds, pod starts), and one line
 * with its duration when it ends. Everything goes to stderr, so stdout stays
 * the story's verdicts.
 */

export type Say = (line: string) => void;

export const stderrSay: Say = (line) => { process.stderr.write(`${line}\n`); };

/** A silent sink (tests that only want the result). */
export const quiet: Say = () => undefined;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Run `fn` as a named step, reporting start, a heartbeat every `everyMs`, and the end. */
export async function step<T>(say: Say, title: string, fn: () => Promise<T>, everyMs = 10_000): Promise<T> {
  const t0 = Date.now();
  say(`▸ ${title}`);
  const beat = setInterval(() => { say(`  … ${title} (${seconds(Date.now() - t0)})`); }, everyMs);
  beat.unref();
  try {
    const out = await fn();
    say(`✓ ${title} (${seconds(Date.now() - t0)})`);
    return out;
  } catch (e: unknown) {
    say(`✗ ${title} (${seconds(Date.now() - t0)})`);
    throw e;
  } finally {
    clearInterval(beat);
  }
}
