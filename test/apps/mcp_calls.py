"""The calls of the Python test agents (stdio_agent.py, py_mcp_http.py): each
TOOL=JSON_ARGS in order on an initialised MCP ClientSession, one JSON line
per call ({"tool","ok","text"?,"error"?}) on stdout."""
import json


async def call_all(session, calls: list[str]) -> None:
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
