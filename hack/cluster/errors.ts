import { ZirizError } from '../../core/errors/ziriz-error.js';

/** A binary, image or package the local cluster needs is not there (run hack/setup). */
export class ClusterPrerequisiteError extends ZirizError {
  readonly what: string;
  constructor(what: string, hint: string) {
    super('E_CLUSTER_PREREQUISITE', `${what} is missing: ${hint}`);
    this.what = what;
  }
}

/** A cluster process exited while it was expected to run. */
export class ClusterProcessExitedError extends ZirizError {
  readonly process: string;
  readonly exitCode: number | null;
  readonly logTail: string;
  constructor(process: string, exitCode: number | null, signal: string | null, logTail: string) {
    super('E_CLUSTER_PROCESS_EXITED',
      `${process} exited (code ${String(exitCode)}, signal ${String(signal)}); last log lines:\n${logTail}`);
    this.process = process;
    this.exitCode = exitCode;
    this.logTail = logTail;
  }
}

/** Something the harness waits for (readyz, a node, a pod) did not happen in time. */
export class ClusterTimeoutError extends ZirizError {
  readonly waitingFor: string;
  readonly timeoutMs: number;
  constructor(waitingFor: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('E_CLUSTER_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${waitingFor}`, options);
    this.waitingFor = waitingFor;
    this.timeoutMs = timeoutMs;
  }
}

/** A command the harness runs (ctr, kubectl, ip, mount) failed. */
export class ClusterCommandError extends ZirizError {
  readonly command: string;
  readonly stderr: string;
  constructor(command: string, stderr: string, options?: { cause?: unknown }) {
    super('E_CLUSTER_COMMAND', `${command} failed: ${stderr.trim()}`, options);
    this.command = command;
    this.stderr = stderr;
  }
}

/** Stopping the cluster left something behind (listed), though every step was tried. */
export class ClusterCleanupError extends ZirizError {
  readonly leftovers: readonly string[];
  constructor(leftovers: readonly string[]) {
    super('E_CLUSTER_CLEANUP', `cluster stop left behind: ${leftovers.join('; ')}`);
    this.leftovers = leftovers;
  }
}
