/**
 * Ring-buffer consumer on the event loop. The addon polls the ring's epoll fd
 * through libuv and hands over bounded batches; this class splits a batch into
 * records and passes each (buffer, start, end) to the sink. A sink that throws
 * is counted, never allowed to stop the reader.
 */
import { native } from './errors.js';
import { binding, type NativeRingBuffer } from './native.js';
import type { BpfMap } from './map.js';

export type RecordSink = (buf: Buffer, start: number, end: number) => void;

export interface RingBufferOptions {
  /** Records per batch handed to JS at most (bounds time spent per loop turn). */
  readonly maxBatchRecords?: number;
  readonly maxBatchBytes?: number;
  /** Called with errors thrown by the sink (default: counted only). */
  readonly onSinkError?: (e: unknown) => void;
  /** Called once per batch handed over by the addon, after its records. */
  readonly onBatch?: (records: number) => void;
}

export interface RingBufferStats {
  readonly records: number;
  readonly bytes: number;
  readonly batches: number;
  readonly wakeups: number;
  readonly sinkErrors: number;
}

export class RingBufferReader {
  private readonly handle: NativeRingBuffer;
  private sinkErrors = 0;
  private closed = false;

  constructor(map: BpfMap, sink: RecordSink, opts: RingBufferOptions = {}) {
    if (map.type !== 'ringbuf') throw new RangeError(`map ${map.name} is a ${map.type}, not a ringbuf`);
    const onBatch = (data: Buffer, ends: Uint32Array): void => {
      let start = 0;
      for (const end of ends) {
        try {
          sink(data, start, end);
        } catch (e: unknown) {
          this.sinkErrors++;
          opts.onSinkError?.(e);
        }
        start = end;
      }
      opts.onBatch?.(ends.length);
    };
    const Native = binding().RingBuffer;
    this.handle = native(
      () => new Native(map.fd, onBatch, opts.maxBatchRecords ?? 65536, opts.maxBatchBytes ?? 8 * 1024 * 1024),
    );
  }

  /** Start consuming on the event loop (keeps the loop alive until stop/close). */
  start(): void {
    native(() => {
      this.handle.start();
    });
  }

  stop(): void {
    this.handle.stop();
  }

  /** Drain one bounded batch synchronously; returns records delivered. */
  drain(): number {
    return native(() => this.handle.consume());
  }

  stats(): RingBufferStats {
    return { ...this.handle.stats(), sinkErrors: this.sinkErrors };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }
}
