/**
 * A raw HTTPS client that sends one MCP tools/call as a chunked body, one TLS
 * write per chunk, with the tool name and "jsonrpc" in different writes:
 * argv: port filter. Prints the server's response.
 */
import { connect } from 'node:tls';

const [port, filter] = process.argv.slice(2);
const body = [
  '{"method":"tools/call","params":',
  `{"name":"get_all_customers","arguments":{"filter":"${filter ?? 'none'}"}}`,
  ',"jsonrpc":"2.0","id":1}',
];
const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
  s.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
  let i = 0;
  const next = (): void => {
    const part = body[i++];
    if (part === undefined) {
      s.write('0\r\n\r\n');
      return;
    }
    s.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`, () => setTimeout(next, 20));
  };
  next();
});
let out = '';
s.on('data', (d: Buffer) => (out += d.toString()));
s.on('end', () => { process.stdout.write(out); process.exit(0); });
s.on('error', (e: Error) => { process.stdout.write(`error ${e.message}\n`); process.exit(0); });
setTimeout(() => { process.stdout.write(`timeout ${out}\n`); process.exit(0); }, 10_000).unref();
