/** Typed failures of the webhook. */
import { ZirizError } from '../../core/errors/ziriz-error.js';

/** The request body is not a usable AdmissionReview: answered with a 4xx, never judged. */
export class ReviewInvalidError extends ZirizError {
  constructor(message: string, readonly status = 400) {
    super('E_REVIEW_INVALID', message);
  }
}

/** Certificates could not be created, stored, loaded or published. */
export class CertificateError extends ZirizError {}

/** Configuration (environment/flags) is unusable: fails at start-up. */
export { ConfigError } from '../../core/config/env.js';
