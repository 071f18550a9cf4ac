/**
 * A bearer token kept in a file that is replaced while we run (the kubelet
 * rotates projected ServiceAccount tokens by swapping a symlink): the file is
 * read again whenever it changed (inode, size or mtime), at most once per
 * `checkMs`, so every request carries the current token.
 */
import { readFileSync, statSync } from 'node:fs';
import { errorMessage } from '../../errors/ziriz-error.js';
import { KubeConfigError } from './errors.js';

export class TokenFile {
  private token = '';
  private stamp = '';
  private checkedAt = -Infinity;

  /** Reads the file now: a missing or empty token file is a configuration error at start. */
  constructor(readonly path: string, private readonly checkMs = 1000, private readonly now: () => number = () => performance.now()) {
    this.refresh(true);
    if (this.token === '') throw new KubeConfigError(path, 'token file is empty');
  }

  /** The current token (a failed re-read keeps the last good one). */
  get(): string {
    const t = this.now();
    if (t - this.checkedAt >= this.checkMs) {
      this.checkedAt = t;
      this.refresh(false);
    }
    return this.token;
  }

  private refresh(first: boolean): void {
    try {
      const st = statSync(this.path);
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (stamp === this.stamp) return;
      const token = readFileSync(this.path, 'utf8').trim();
      if (token === '') return; // mid-rotation: keep the last good token
      this.token = token;
      this.stamp = stamp;
    } catch (e: unknown) {
      if (first) throw new KubeConfigError(this.path, `cannot read token file: ${errorMessage(e)}`, e);
    }
  }
}
