"""An agent on the official MCP Python SDK that starts its MCP server as a
child over stdio (stdio_client: the child's stdin and stdout are pipes) and
calls tools.

    python stdio_agent.py CMD ARGS... -- TOOL=JSON_ARGS...

Prints one JSON line per call ({"tool","ok","text"?,"error"?}), then "done".
The child gets SIDE_EFFECTS and PATH from this process's environment.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(argv: list[str]) -> None:
    sep = argv.index("--")
    command, args, calls = argv[0], argv[1:sep], argv[sep + 1:]
    env = {k: os.environ[k] for k in ("SIDE_EFFECTS", "PATH") if k in os.environ}
    params = StdioServerParameters(command=command, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for call in calls:
                tool, _, raw = call.partition("=")
                try:
                    res = await session.call_tool(tool, json.loads(raw or "{}"))
                    text = " ".join(getattr(c, "text", "") for c in res.content)
                    # isError until the SDK's snake_case rename, is_error after it
                    failed = getattr(res, "is_error", getattr(res, "isError", False))
                    out = {"tool": tool, "ok": not failed, "text": text}
                except Exception as e:  # an MCP error answer is an outcome too
                    out = {"tool": tool, "ok": False, "error": str(e)}
                print(json.dumps(out), flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
