/** Where the agent's results go (implemented by report/reporter.ts). */
import type { HookName, PolicyNodeStatus, Protection, Verdict } from '../report/types.js';

export interface ReportSink {
  verdict(v: Verdict): void;
  protection(p: Protection): void;
  policyStatus(s: PolicyNodeStatus): void;
  nodeHooks(attached: readonly HookName[], degraded: readonly { readonly hook: HookName; readonly why: string }[]): void;
  kernelCounters(counters: Readonly<Record<string, bigint>>): void;
  podGone(uid: string): void;
  pods(counts: { readonly protected: number; readonly degraded: number; readonly unprotected: number }): void;
}
