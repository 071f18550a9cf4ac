/**
 * Base of every typed error in ziriz. Each failure mode gets its own subclass
 * with a stable `code` (tests assert on the class or the code, never on text)
 * and structured fields; `cause` keeps the original error.
 */
export class ZirizError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Narrow an unknown caught value to a message without losing non-Error throws. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
