// go-mcp: the official Go MCP SDK (github.com/modelcontextprotocol/go-sdk)
// as a client and as a server, for the kernel tests of Go programs.
//
//	go-mcp client URL CAFILE TOOL=ARGS_JSON...
//	  one session over Streamable HTTP (HTTPS when URL says so, trusting
//	  CAFILE); each call's outcome printed as a JSON line
//	  {"tool","ok","text","error"}; "ready" first, "done" last.
//	go-mcp loop URL CAFILE TOOL SECONDS ARGS_JSON
//	  one session calling TOOL for SECONDS after 20 warm-up calls; prints
//	  "calls errors seconds" (the benchmark clients' format).
//	go-mcp server ADDR CERT KEY SIDE_EFFECTS
//	  Streamable HTTP on ADDR at /mcp (TLS when CERT is not "-"), tools
//	  get_customer, get_all_customers, delete_customer; every execution
//	  appended to SIDE_EFFECTS as {"what":tool} (the record of what ran).
//	  Prints "listening PORT". Over TLS it speaks HTTP/2 (ALPN) and HTTP/1.1.
//	  GO_MCP_STATELESS=1: no sessions (a tools/call needs no initialize
//	  first: one-shot clients such as curl).
//	go-mcp stdio-client CMD ARGS... -- TOOL=ARGS_JSON...
//	  starts CMD as its MCP server over stdio (CommandTransport: the child's
//	  stdin and stdout are pipes) and calls the tools as "client" does.
//	go-mcp stdio-server SIDE_EFFECTS
//	  the same tools over stdio (StdioTransport).
//	go-mcp idle
//	  waits for SIGTERM or SIGINT (a pod's main process; the tests run the
//	  client in the pod with kubectl exec).
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
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
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
	case "loop":
		loop(os.Args[2:])
	case "stdio-client":
		stdioClient(os.Args[2:])
	case "stdio-server":
		stdioServer(os.Args[2:])
	case "idle":
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
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

// session connects to url (trusting the PEM file caFile, "-": plain HTTP or the system roots).
func session(ctx context.Context, url, caFile string) *mcp.ClientSession {
	hc := &http.Client{Timeout: 15 * time.Second}
	if caFile != "-" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fail(err.Error())
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "go-mcp-client", Version: "1.0.0"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		fail("connect: " + err.Error())
	}
	return s
}

func loop(args []string) {
	if len(args) != 5 {
		fail("usage: go-mcp loop URL CAFILE TOOL SECONDS ARGS_JSON")
	}
	seconds, err := time.ParseDuration(args[3] + "s")
	if err != nil {
		fail(err.Error())
	}
	var a map[string]any
	if err := json.Unmarshal([]byte(args[4]), &a); err != nil {
		fail(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), seconds+60*time.Second)
	defer cancel()
	s := session(ctx, args[0], args[1])
	defer s.Close()
	call := func() bool {
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: args[2], Arguments: a})
		return err == nil && !res.IsError
	}
	for i := 0; i < 20; i++ {
		call()
	}
	calls, errors := 0, 0
	t0 := time.Now()
	for time.Since(t0) < seconds {
		if !call() {
			errors++
		}
		calls++
	}
	fmt.Printf("%d %d %.3f\n", calls, errors, time.Since(t0).Seconds())
}

func client(args []string) {
	if len(args) < 2 {
		fail("usage: go-mcp client URL CAFILE TOOL=ARGS_JSON...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := session(ctx, args[0], args[1])
	defer s.Close()
	fmt.Println("ready")
	callAll(ctx, s, args[2:])
}

func stdioClient(args []string) {
	sep := slices.Index(args, "--")
	if sep < 1 {
		fail("usage: go-mcp stdio-client CMD ARGS... -- TOOL=ARGS_JSON...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "go-mcp-stdio-client", Version: "1.0.0"}, nil)
	s, err := c.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(args[0], args[1:sep]...)}, nil)
	if err != nil {
		fail("connect: " + err.Error())
	}
	defer s.Close()
	fmt.Println("ready")
	callAll(ctx, s, args[sep+1:])
}

// callAll calls each TOOL=ARGS_JSON in turn, printing its outcome as a JSON line, then "done".
func callAll(ctx context.Context, s *mcp.ClientSession, calls []string) {
	enc := json.NewEncoder(os.Stdout)
	for _, call := range calls {
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

// customers is the MCP server with the three tools; every execution is appended to sideEffects.
func customers(sideEffects string) *mcp.Server {
	var mu sync.Mutex
	ran := func(what string) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(sideEffects, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
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
	return srv
}

func stdioServer(args []string) {
	if len(args) != 1 {
		fail("usage: go-mcp stdio-server SIDE_EFFECTS")
	}
	if err := customers(args[0]).Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fail(err.Error())
	}
}

func server(args []string) {
	if len(args) != 4 {
		fail("usage: go-mcp server ADDR CERT KEY SIDE_EFFECTS")
	}
	srv := customers(args[3])
	mux := http.NewServeMux()
	opts := &mcp.StreamableHTTPOptions{Stateless: os.Getenv("GO_MCP_STATELESS") == "1"}
	mux.Handle("/mcp", mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, opts))
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
