/**
 * The MCP WebSocket transport on the server side (subprotocol "mcp", one
 * JSON-RPC message per text message), for customer-mcp's /ws endpoint: the
 * official SDK has the client side only (WebSocketClientTransport).
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { WebSocket } from 'ws';

export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(private readonly ws: WebSocket) {}

  start(): Promise<void> {
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      try {
        this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(data.toString('utf8'))));
      } catch (e: unknown) {
        this.onerror?.(e instanceof Error ? e : new Error(String(e)));
      }
    });
    this.ws.on('close', () => { this.onclose?.(); });
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.send(JSON.stringify(message), (e) => { if (e) reject(e); else resolve(); });
    });
  }

  close(): Promise<void> {
    this.ws.close();
    return Promise.resolve();
  }
}
