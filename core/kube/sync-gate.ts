/**
 * Whether a cache is synced, and waiting for it with a deadline: open() when
 * the cache is known current, close() after an error, wait() resolves at the
 * next open() (or at once when open) or rejects with InformerSyncTimeoutError.
 */
import { InformerSyncTimeoutError } from './errors.js';

export class SyncGate {
  private openFlag = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly name: string) {}

  get isOpen(): boolean {
    return this.openFlag;
  }

  open(): void {
    this.openFlag = true;
    for (const w of this.waiters.splice(0)) w();
  }

  close(): void {
    this.openFlag = false;
  }

  async wait(timeoutMs: number): Promise<void> {
    if (this.openFlag) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new InformerSyncTimeoutError(this.name, timeoutMs));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
