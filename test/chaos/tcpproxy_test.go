package chaos

import (
	"io"
	"net"
	"sync"
	"testing"
)

// tcpProxy forwards loopback TCP connections to target until cut: then,
// as a network partition would, it forwards nothing either way, holding
// what its clients send unanswered, until mended.
type tcpProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	links map[net.Conn]net.Conn // client -> upstream
}

func startProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, links: map[net.Conn]net.Conn{}}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for c, up := range p.links {
			c.Close()
			up.Close()
		}
	})
	go p.serve()
	return p
}

// Addr is where clients connect.
func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.link(c)
	}
}

// link forwards one connection; while cut, a connection is held silent:
// what the client sends is read and dropped, and nothing comes back.
func (p *tcpProxy) link(c net.Conn) {
	defer c.Close()
	if !p.isCut() {
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.links[c] = up
		p.mu.Unlock()
		go func() {
			_, _ = io.Copy(c, up)
			if !p.isCut() {
				c.Close()
			}
		}()
		_, _ = io.Copy(up, c)
		up.Close()
		p.mu.Lock()
		delete(p.links, c)
		p.mu.Unlock()
	}
	if p.isCut() {
		_, _ = io.Copy(io.Discard, c)
	}
}

func (p *tcpProxy) isCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

// Cut partitions the clients from the target: the upstream side of every
// connection is closed (the server rolls back what was in flight), the
// client side stays open and unanswered, and new connections are held
// silent.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, up := range p.links {
		up.Close()
	}
}

// Mend forwards new connections again; the clients' old ones stay dead
// and are replaced by their pools.
func (p *tcpProxy) Mend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}
