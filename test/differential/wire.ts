/**
 * One stream over loopback TCP, as a plain client writes it: connect, one
 * socket write per chunk (each flushed before the next, Nagle off), then read
 * until the server has answered every request (or answered one and gone
 * quiet), closes the connection, or stays silent past the deadline; then
 * close. Never throws: a reset or a refused write is part of the answer.
 */
import { connect } from 'node:net';
import { completeResponses } from './responses.js';

export interface Exchange {
  /** The start of what the server answered (status lines), for reports. */
  readonly answer: string;
  readonly ended: 'answered' | 'closed' | 'deadline' | 'error';
  readonly error?: string;
}

/** Silence after the last write before giving up on an answer. */
export const DEADLINE_MS = 1500;
/** Silence after a complete answer (of fewer than `expected`) before closing. */
const QUIET_MS = 150;

export async function exchange(port: number, chunks: readonly Buffer[], expected: number, deadlineMs = DEADLINE_MS): Promise<Exchange> {
  return new Promise((resolve) => {
    let answer = Buffer.alloc(0);
    let done = false;
    let writing = true;
    const s = connect({ host: '127.0.0.1', port, noDelay: true });
    let timer = setTimeout(() => { finish('deadline'); }, deadlineMs * 4);
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => { finish('deadline'); }, ms);
    };
    const finish = (ended: Exchange['ended'], error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ answer: answer.subarray(0, 400).toString('latin1'), ended, ...(error !== undefined ? { error } : {}) });
    };
    s.on('data', (d: Buffer) => {
      answer = Buffer.concat([answer, d]);
      const n = completeResponses(answer);
      if (n >= expected) finish('answered');
      else if (n > 0 && !writing) arm(QUIET_MS);
    });
    s.on('end', () => { finish('closed'); });
    s.on('close', () => { finish('closed'); });
    s.on('error', (e: Error) => { finish('error', e.message); });
    s.once('connect', () => {
      void (async () => {
        for (const c of chunks) {
          if (done || s.destroyed) return;
          await new Promise<void>((r) => { s.write(c, () => { r(); }); });
        }
        writing = false;
        arm(completeResponses(answer) > 0 ? QUIET_MS : deadlineMs);
      })();
    });
  });
}
