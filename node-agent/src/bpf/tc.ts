/**
 * A TC classifier on one interface direction. Remembers whether it created the
 * clsact qdisc and, on detach, removes only what it created: its own filter,
 * and the qdisc only if the qdisc was its own.
 */
import { native } from './errors.js';
import { binding, type TcSpec } from './native.js';

export interface TcAttachOptions {
  readonly ifindex: number;
  readonly attachPoint: 'ingress' | 'egress';
  readonly programFd: number;
  readonly priority?: number;
  readonly handle?: number;
  /** Path of a network namespace (e.g. /run/netns/x); default: the agent's own. */
  readonly netns?: string;
}

export interface TcState {
  readonly ifindex: number;
  readonly attachPoint: 'ingress' | 'egress';
  readonly priority: number;
  readonly handle: number;
  readonly createdHook: boolean;
  readonly netns?: string;
}

export class TcAttachment {
  private detached = false;

  private constructor(readonly state: TcState) {}

  static attach(o: TcAttachOptions): TcAttachment {
    const spec = {
      ifindex: o.ifindex,
      attachPoint: o.attachPoint,
      priority: o.priority ?? 1,
      handle: o.handle ?? 1,
      progFd: o.programFd,
      ...(o.netns !== undefined ? { netns: o.netns } : {}),
    };
    const r = native(() => binding().tcAttach(spec));
    return new TcAttachment({
      ifindex: o.ifindex,
      attachPoint: o.attachPoint,
      priority: r.priority,
      handle: r.handle,
      createdHook: r.createdHook,
      ...(o.netns !== undefined ? { netns: o.netns } : {}),
    });
  }

  /** Re-own an attachment recorded by an earlier agent (restart adoption). */
  static adopt(state: TcState): TcAttachment {
    return new TcAttachment(state);
  }

  private spec(): TcSpec {
    const s = this.state;
    return {
      ifindex: s.ifindex,
      attachPoint: s.attachPoint,
      priority: s.priority,
      handle: s.handle,
      ...(s.netns !== undefined ? { netns: s.netns } : {}),
    };
  }

  /** Program id currently attached at our priority/handle, or null. */
  query(): number | null {
    return native(() => binding().tcQuery(this.spec()));
  }

  /** Remove our filter, and the clsact qdisc if we created it. Idempotent. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    native(() => binding().tcDetach(this.spec()));
    if (this.state.createdHook) {
      const s = this.state;
      native(() => {
        binding().tcHookDestroy({ ifindex: s.ifindex, ...(s.netns !== undefined ? { netns: s.netns } : {}) });
      });
    }
  }
}

export function ifIndex(name: string, netns?: string): number {
  return native(() => binding().ifIndex(name, netns));
}
