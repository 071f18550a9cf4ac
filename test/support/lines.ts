/** Wait for a line on a child's stdout (bounded). */
import type { ChildProcess } from 'node:child_process';

export async function waitForLine(child: ChildProcess, match: string, timeoutMs = 10_000): Promise<string> {
  const out = child.stdout;
  if (!out) throw new Error('child has no stdout pipe');
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      out.off('data', onData);
      reject(new Error(`timed out waiting for "${match}" (got: ${seen.slice(-500)})`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      const line = seen.split('\n').find((l) => l.includes(match));
      if (line !== undefined) {
        clearTimeout(timer);
        out.off('data', onData);
        resolve(line);
      }
    };
    out.on('data', onData);
  });
}
