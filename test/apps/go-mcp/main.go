// go-mcp: the official Go MCP SDK (github.com/modelcontextprotocol/go-sdk)
// as a client and as a server, for the kernel tests of Go programs.
//
//	go-mcp client URL CAFILE TOOL=ARGS_JSON...
//	  one session over Streamable HTTP (HTTPS when URL says so, trusting
//	  CAFILE); each call's outcome printed as a JSON line
//	  {"tool","ok","text","error"}; "ready" first, "done" last.
//	go-mcp server ADDR CERT KEY SIDE_EFFECTS
//	  Streamable HTTP on ADDR at /mcp (TLS when CERT is not "-"), tools
//	  get_customer, get_all_customers, delete_customer; every execution
//	  appended to SIDE_EFFECTS as {"what":tool} (the record of what ran).
//	  Prints "listening PORT".
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: go-mcp client|server ...")
	}
	switch os.Args[1] {
	case "client":
		client(os.Args[2:])
	case "server":
		server(os.Args[2:])
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

type outcome struct {
	Tool  string `json:"tool"`
	OK    bool   `json:"ok"`
	Text  string `json:"text,omitempty"`
	Error string `json:"error,omitempty"`
}

func client(args []string) {
	if len(args) < 2 {
		fail("usage: go-mcp client URL CAFILE TOOL=ARGS_JSON...")
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	if args[1] != "-" {
		pem, err := os.ReadFile(args[1])
		if err != nil {
			fail(err.Error())
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "go-mcp-client", Version: "1.0.0"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: args[0], HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		fail("connect: " + err.Error())
	}
	defer s.Close()
	fmt.Println("ready")
	enc := json.NewEncoder(os.Stdout)
	for _, call := range args[2:] {
		name, raw, _ := strings.Cut(call, "=")
		var a map[string]any
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				fail("arguments of " + name + ": " + err.Error())
			}
		}
		o := outcome{Tool: name}
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: a})
		if err != nil {
			o.Error = err.Error()
		} else {
			o.OK = !res.IsError
			for _, part := range res.Content {
				if t, ok := part.(*mcp.TextContent); ok {
					o.Text += t.Text
				}
			}
		}
		_ = enc.Encode(o)
	}
	fmt.Println("done")
}

type idArgs struct {
	ID int `json:"id"`
}

type filterArgs struct {
	Filter string `json:"filter"`
}

func server(args []string) {
	if len(args) != 4 {
		fail("usage: go-mcp server ADDR CERT KEY SIDE_EFFECTS")
	}
	var mu sync.Mutex
	ran := func(what string) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(args[3], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fail(err.Error())
		}
		defer f.Close()
		line, _ := json.Marshal(map[string]any{"what": what, "at": time.Now().UnixMilli()})
		_, _ = f.Write(append(line, '\n'))
	}
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "customer-mcp-go", Version: "1.0.0"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "get_customer", Description: "One customer by id"}, func(_ context.Context, _ *mcp.CallToolRequest, a idArgs) (*mcp.CallToolResult, any, error) {
		ran("get_customer")
		return text(fmt.Sprintf("customer %d: Ada Lovelace", a.ID)), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "get_all_customers", Description: "Every customer matching a filter"}, func(_ context.Context, _ *mcp.CallToolRequest, a filterArgs) (*mcp.CallToolResult, any, error) {
		ran("get_all_customers")
		return text("customers matching " + a.Filter + ": Ada Lovelace, Alan Turing"), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "delete_customer", Description: "Delete a customer"}, func(_ context.Context, _ *mcp.CallToolRequest, a idArgs) (*mcp.CallToolResult, any, error) {
		ran("delete_customer")
		return text(fmt.Sprintf("customer %d deleted", a.ID)), nil, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil))
	ln, err := net.Listen("tcp", args[0])
	if err != nil {
		fail(err.Error())
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if args[1] == "-" {
		err = hs.Serve(ln)
	} else {
		err = hs.ServeTLS(ln, args[1], args[2])
	}
	fail(err.Error())
}
