package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// startPaced serves a fresh data directory with one-second timeouts and a
// minimum rate of 100 bytes a second, and returns its address.
func startPaced(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "-addr", addr, "-data", t.TempDir(), "-log-level", "error",
			"-read-timeout", "1s", "-write-timeout", "1s", "-idle-timeout", "1s", "-min-rate", "100"}, noenv, io.Discard, io.Discard)
	}()
	t.Cleanup(sync.OnceFunc(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}))
	waitReady(t, "http://"+addr)
	return addr
}

// dial opens a connection whose reads give up after a bound far above the
// configured timeouts: the tests assert that the server closes it, and the
// bound only keeps a broken server from hanging them.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedByServer reads conn to its end and fails if the end was the test's
// own bound rather than the server closing the connection.
func closedByServer(t *testing.T, conn net.Conn) string {
	t.Helper()
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open; read so far:\n%s", got)
	}
	return string(got)
}

func TestSlowClientsAreCutOff(t *testing.T) {
	addr := startPaced(t)

	t.Run("body a byte at a time", func(t *testing.T) {
		conn := dial(t, addr)
		body := `{"kind":"counterfeit","description":"` + strings.Repeat("x", 2000) + `","serial":"A"}`
		fmt.Fprintf(conn, "POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for i := range len(body) {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{body[i]}); err != nil {
					return
				}
			}
		}()
		if got := closedByServer(t, conn); strings.HasPrefix(got, "HTTP/1.1 201") {
			t.Errorf("a trickled body was accepted:\n%s", got)
		}
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn := dial(t, addr)
		fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
		}
		closedByServer(t, conn)
	})

	t.Run("answers never read", func(t *testing.T) {
		// Requests are pipelined and no answer is read: once the socket
		// buffers fill, the server's write must give up and close the
		// connection, which then refuses the client's next write.
		conn := dial(t, addr)
		// A small receive window fills sooner than loopback's default.
		if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
			t.Fatal(err)
		}
		req := []byte(strings.Repeat("GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n", 20))
		for {
			if _, err := conn.Write(req); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatal("the server kept writing to a client that reads nothing")
				}
				return
			}
		}
	})
}
