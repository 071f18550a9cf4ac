"""An MCP server on the official MCP Python SDK, served the way Python MCP
servers usually are: MCPServer's Streamable HTTP app under uvicorn (h11),
over TLS by Python's ssl module (the system's libssl):

    python py_mcp_server.py HOST CERT KEY SIDE_EFFECTS

Tools get_customer, get_all_customers, delete_customer; every execution is
appended to SIDE_EFFECTS as {"what": tool} (the record of what ran).
Listens on HOST, port 0; prints "listening PORT".
"""
import json
import socket
import sys

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

HOST, CERT, KEY, SIDE_EFFECTS = sys.argv[1:5]


def ran(what: str) -> None:
    with open(SIDE_EFFECTS, "a", encoding="utf-8") as f:
        f.write(json.dumps({"what": what}) + "\n")


mcp = MCPServer("customer-mcp-python")


@mcp.tool()
def get_customer(id: int) -> str:
    """One customer by id."""
    ran("get_customer")
    return f"customer {id}: Ada Lovelace"


@mcp.tool()
def get_all_customers(filter: str) -> str:
    """Every customer matching a filter."""
    ran("get_all_customers")
    return f"customers matching {filter}: Ada Lovelace, Alan Turing"


@mcp.tool()
def delete_customer(id: int) -> str:
    """Delete a customer."""
    ran("delete_customer")
    return f"customer {id} deleted"


app = mcp.streamable_http_app(transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(128)  # connections made before uvicorn serves wait in the backlog
    print(f"listening {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, http="h11", lifespan="on", log_level="warning", access_log=False, ssl_certfile=CERT, ssl_keyfile=KEY)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
