/** Failures of the ziriz CLI itself (bad arguments, unreadable input): exit code 2. */
import { ZirizError } from '../errors/ziriz-error.js';

export class CliUsageError extends ZirizError {
  constructor(message: string) {
    super('E_CLI_USAGE', message);
  }
}

export class CliInputError extends ZirizError {
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('E_CLI_INPUT', `${file}: ${message}`, options);
    this.file = file;
  }
}
