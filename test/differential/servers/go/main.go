// The differential harness's Go server, written the way a Go JSON-RPC server
// usually is: net/http, the body decoded by encoding/json into a struct (so
// object keys match field names case-insensitively, with Unicode folding),
// a JSON-RPC batch when the body starts with '['. POST /mcp runs tools/call
// get_customer and delete_customer; /api/v2/customers (GET, POST, DELETE)
// reads limit with r.URL.Query().Get and strconv.Atoi. Every tool or route it
// EXECUTES is appended to $LEDGER as one JSON line. Plain HTTP on 127.0.0.1;
// prints "listening <port>".
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
)

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string         `json:"name"`
		Arguments map[string]any `json:"arguments"`
	} `json:"params"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   any             `json:"error,omitempty"`
}

var ledgerMu sync.Mutex

func record(entry map[string]any) {
	entry["server"] = "go"
	line, _ := json.Marshal(entry)
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	f, err := os.OpenFile(os.Getenv("LEDGER"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	f.Write(append(line, '\n'))
}

func call(req rpcRequest) rpcResponse {
	out := rpcResponse{JSONRPC: "2.0", ID: req.ID}
	if req.Method != "tools/call" {
		out.Error = map[string]any{"code": -32601, "message": "method not found"}
		return out
	}
	switch req.Params.Name {
	case "get_customer", "delete_customer":
		record(map[string]any{"kind": "tool", "name": req.Params.Name, "arguments": req.Params.Arguments})
		out.Result = map[string]any{"content": []any{map[string]any{"type": "text", "text": "ok"}}}
	default:
		out.Error = map[string]any{"code": -32602, "message": "unknown tool " + req.Params.Name}
	}
	return out
}

func mcp(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		var batch []rpcRequest
		if err := json.Unmarshal(body, &batch); err != nil {
			http.Error(w, "parse error", http.StatusBadRequest)
			return
		}
		out := make([]rpcResponse, 0, len(batch))
		for _, req := range batch {
			out = append(out, call(req))
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	var req rpcRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "parse error", http.StatusBadRequest)
		return
	}
	json.NewEncoder(w).Encode(call(req))
}

func customers(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodDelete:
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	io.Copy(io.Discard, r.Body)
	limit := 10
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			http.Error(w, "bad limit", http.StatusBadRequest)
			return
		}
		limit = n
	}
	record(map[string]any{"kind": "rest", "method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "limit": limit})
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `[{"id":1,"name":"Ada"}]`)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", mcp)
	mux.HandleFunc("/api/v2/customers", customers)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	panic(http.Serve(ln, mux))
}
