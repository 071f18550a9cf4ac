import { expect } from 'chai';
import { KubeDecodeError } from '../../../core/kube/lean/errors.js';
import type { KubeObject, WatchEvent } from '../../../core/kube/lean/types.js';
import { decodeWatchEvent, LineSplitter, WatchDecoder } from '../../../core/kube/lean/watch-lines.js';

const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;
const pod = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { app: 'ünïcødé-✓' } } });

/** Feed `text` to a decoder cut at every `size` bytes (UTF-8 characters may be cut in half). */
function feed(text: string, size: number): WatchEvent<KubeObject>[] {
  const bytes = Buffer.from(text);
  const d = new WatchDecoder<KubeObject>();
  const out: WatchEvent<KubeObject>[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
  out.push(...d.end());
  return out;
}

describe('lean client: watch stream decoding', () => {
  const stream = line('ADDED', pod('a', '10')) + line('MODIFIED', pod('a', '11')) + line('BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '15' } }) +
    line('DELETED', pod('a', '16')) + line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (16)' });

  // Rows: chunk size (bytes) — every way of splitting the same stream yields the same events.
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    it(`decodes the same events whatever the chunking (${size}-byte chunks)`, () => {
      const events = feed(stream, size);
      expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED', 'BOOKMARK', 'DELETED', 'ERROR']);
      expect(events[0]?.object).to.deep.equal(pod('a', '10'));
      expect(events[2]?.object).to.deep.equal({ kind: 'Pod', metadata: { resourceVersion: '15' } });
      expect(events[4]?.object).to.deep.include({ code: 410, reason: 'Expired' });
    });
  }

  it('skips blank lines and takes a last line without its newline at the end of the stream', () => {
    const d = new WatchDecoder<KubeObject>();
    expect([...d.push('\n\r\n' + line('ADDED', pod('x', '1')).trimEnd())]).to.deep.equal([]);
    expect([...d.end()].map((e) => e.type)).to.deep.equal(['ADDED']);
  });

  it('keeps a partial line until its newline arrives', () => {
    const s = new LineSplitter();
    expect(s.push('{"type":"ADD')).to.deep.equal([]);
    expect(s.push('ED","object":{}}\n{"ty')).to.deep.equal(['{"type":"ADDED","object":{}}']);
    expect(s.end()).to.equal('{"ty');
  });

  // Rows: [garbage line, what the error says]
  const garbage: [string, RegExp][] = [
    ['<html>502 Bad Gateway</html>', /watch line is not JSON/],
    ['[1,2,3]', /unknown watch event type undefined/],
    ['"ADDED"', /watch line is not an object/],
    ['{"type":"EXPLODED","object":{}}', /unknown watch event type EXPLODED/],
    ['{"type":"ADDED"}', /ADDED event without an object/],
    ['{"type":"ADDED","object":[1]}', /ADDED event without an object/],
  ];
  for (const [text, pattern] of garbage) {
    it(`turns a garbage line into KubeDecodeError, not a crash: ${text}`, () => {
      expect(() => decodeWatchEvent(text, 'watch pods')).to.throw(KubeDecodeError, pattern);
      const d = new WatchDecoder<KubeObject>('watch pods');
      const before: string[] = [];
      let err: unknown;
      try {
        for (const e of d.push(line('ADDED', pod('ok', '1')) + text + '\n')) before.push(e.type);
      } catch (e: unknown) {
        err = e;
      }
      expect(before, 'the good line before it is delivered').to.deep.equal(['ADDED']);
      expect(err).to.be.instanceOf(KubeDecodeError).and.to.have.property('code', 'E_KUBE_DECODE');
      expect((err as KubeDecodeError).message).to.match(/^watch pods: /);
    });
  }

  it('refuses a line longer than the limit before buffering it all', () => {
    const s = new LineSplitter('watch', 10);
    expect(s.push('0123456789')).to.deep.equal([]);
    expect(() => s.push('x')).to.throw(KubeDecodeError, /longer than 10 characters/);
  });
});
