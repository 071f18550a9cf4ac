/** An attached program. Destroying detaches unless the link is pinned in bpffs. */
import { native } from './errors.js';
import { binding, type NativeLink } from './native.js';

export class Link {
  private destroyed = false;

  constructor(
    private readonly handle: NativeLink,
    readonly description: string,
  ) {}

  /** Re-open a link pinned by an earlier agent (restart adoption). */
  static openPinned(path: string): Link {
    const Native = binding().Link;
    return new Link(native(() => new Native(path)), `pinned ${path}`);
  }

  get fd(): number {
    return native(() => this.handle.fd());
  }

  pin(path: string): void {
    native(() => {
      this.handle.pin(path);
    });
  }

  unpin(): void {
    native(() => {
      this.handle.unpin();
    });
  }

  /**
   * Detach from the hook now, even when pinned. Only link types with
   * BPF_LINK_DETACH (cgroup, xdp, netns, ...) support it; perf-event links
   * (tracepoints, uprobes) end when the last reference (pin, fd) is gone.
   */
  detach(): void {
    native(() => {
      this.handle.detach();
    });
  }

  /** Close our handle: detaches unless pinned. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.handle.destroy();
  }

  /**
   * destroy() on the thread pool: closing a uprobe link waits for the kernel
   * (~100 ms per link on these machines), which must not stall the event loop.
   */
  async destroyAsync(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.handle.destroyAsync();
  }
}
