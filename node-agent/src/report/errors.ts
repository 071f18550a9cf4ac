/** Failures of the reporter's own machinery (API failures are KubeApiError). */
import { ZirizError } from '../../../core/errors/ziriz-error.js';

/** The metrics endpoint could not listen (port taken, bad address). */
export class MetricsServerError extends ZirizError {
  constructor(readonly address: string, cause: unknown) {
    super('E_METRICS_LISTEN', `metrics server cannot listen on ${address}`, { cause });
  }
}

/** A write was asked of a reporter that is closed. */
export class ReporterClosedError extends ZirizError {
  constructor(what: string) {
    super('E_REPORTER_CLOSED', `reporter closed: ${what} not reported`);
  }
}
