import { expect } from 'chai';
import { KubeApiError, parseStatus } from '../../../core/kube/errors.js';

describe('lean client: KubeApiError from raw HTTP answers', () => {
  // Rows: [status, body, code, reason, message]
  const rows: [number, string, string, string, string][] = [
    [404, '{"kind":"Status","code":404,"reason":"NotFound","message":"pods \\"x\\" not found"}', 'E_KUBE_NOT_FOUND', 'NotFound', 'op: pods "x" not found'],
    [409, '{"kind":"Status","reason":"AlreadyExists","message":"exists"}', 'E_KUBE_CONFLICT', 'AlreadyExists', 'op: exists'],
    [410, '{"reason":"Expired"}', 'E_KUBE_GONE', 'Expired', 'op: {"reason":"Expired"}'],
    [422, '{"kind":"Status","reason":"Invalid","message":"spec.x: Required value"}', 'E_KUBE_API', 'Invalid', 'op: spec.x: Required value'],
    [502, '<html>bad gateway</html>', 'E_KUBE_API', '', 'op: <html>bad gateway</html>'],
    [503, '', 'E_KUBE_API', '', 'op: HTTP 503'],
    [0, '', 'E_KUBE_UNREACHABLE', '', 'op: HTTP 0'],
  ];
  for (const [status, body, code, reason, message] of rows) {
    it(`${status} ${body.slice(0, 40)} -> ${code}`, () => {
      const e = KubeApiError.fromResponse('op', status, body);
      expect([e.status, e.code, e.reason, e.message, e.name]).to.deep.equal([status, code, reason, message, 'KubeApiError']);
    });
  }

  it('a watch ERROR Status: its code is the status', () => {
    const e = KubeApiError.fromStatus('watch pods', { code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' });
    expect([e.gone, e.status, e.reason, e.message]).to.deep.equal([true, 410, 'Expired', 'watch pods: too old resource version: 1 (5)']);
    expect(KubeApiError.fromStatus('w', {}).status).to.equal(500);
  });

  it('parseStatus reads only the fields it knows, with their types', () => {
    expect(parseStatus('{"code":"404","reason":7,"message":"m"}')).to.deep.equal({ message: 'm' });
    expect(parseStatus('[]')).to.equal(undefined);
    expect(parseStatus('nope')).to.equal(undefined);
  });
});
