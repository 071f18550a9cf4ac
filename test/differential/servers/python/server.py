"""The differential harness's Python server, written the way a Python MCP
server usually is: the official MCP Python SDK (MCPServer, stateless
streamable HTTP at /mcp) served by uvicorn with its h11 HTTP parser, and a
plain ASGI route /api/v2/customers (GET, POST, DELETE; the decoded path,
trailing slash tolerated; limit read with Starlette's QueryParams and int()).
Every tool or route it EXECUTES is appended to $LEDGER as one JSON line.
Plain HTTP on 127.0.0.1; prints "listening <port>".
"""

import json
import os
import socket
import sys

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import QueryParams

LEDGER = os.environ["LEDGER"]


def record(entry):
    with open(LEDGER, "a", encoding="utf-8") as f:
        f.write(json.dumps({"server": "python", **entry}) + "\n")


mcp = MCPServer("customer-mcp")


@mcp.tool()
def get_customer(id: int) -> str:
    """One customer by id."""
    record({"kind": "tool", "name": "get_customer", "arguments": {"id": id}})
    return json.dumps({"id": id, "name": "Ada"})


@mcp.tool()
def delete_customer(id: int) -> str:
    """Delete a customer."""
    record({"kind": "tool", "name": "delete_customer", "arguments": {"id": id}})
    return json.dumps({"deleted": id})


mcp_app = mcp.streamable_http_app(
    stateless_http=True,
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)


async def respond(send, status, body):
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


async def customers(scope, receive, send):
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] not in ("GET", "POST", "DELETE"):
        await respond(send, 405, b'{"error":"method not allowed"}')
        return
    try:
        limit = int(QueryParams(scope["query_string"]).get("limit", "10"))
    except ValueError:
        await respond(send, 400, b'{"error":"bad limit"}')
        return
    query = scope["query_string"].decode("latin-1")
    record({"kind": "rest", "method": scope["method"], "path": scope["path"], "query": query, "limit": limit})
    await respond(send, 200, b'[{"id":1,"name":"Ada"}]')


async def app(scope, receive, send):
    if scope["type"] == "http" and scope["path"].rstrip("/") == "/api/v2/customers":
        await customers(scope, receive, send)
        return
    await mcp_app(scope, receive, send)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections made before uvicorn serves wait in the backlog
    print(f"listening {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, http="h11", lifespan="on", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
