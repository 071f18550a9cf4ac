/** Where the agent's results go (implemented by report/reporter.ts). */
import type { HookName, PolicyNodeStatus, Protection, Verdict } from '../report/types.js';

export interface ReportSink {
  verdict(v: Verdict): void;
  protection(p: Protection): void;
  policyStatus(s: PolicyNodeStatus): void;
  nodeHooks(attached: readonly HookName[], degraded: readonly { readonly hook: HookName; readonly why: string }[]): void;
  kernelCounters(counters: Readonly<Record<string, bigint>>): void;
  podGone(uid: string): void;
  /** A pod this agent saw unprotected became protected, `seconds` after its first process started. */
  protectedAfter(seconds: number): void;
  pods(counts: { readonly protected: number; readonly degraded: number; readonly unprotected: number }): void;
}
