package faultapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// ControlPort is the container port of the control API.
const ControlPort = 8474

// ProxyPort is the port a Client changes unless told another with
// [Client.Port]: the fault server's clean relay.
const ProxyPort = 8000

// requestTimeout bounds one call of the API.
const requestTimeout = 10 * time.Second

// Client talks to one fault server's control API. Its methods change the
// fault of one port (ProxyPort unless [Client.Port] chose another); each
// call is one HTTP request with its own deadline.
type Client struct {
	base    string // "http://127.0.0.1:49160"
	port    int
	http    *http.Client
	onError func(error)
}

// NewClient returns a client of the control API at addr ("host:port").
// onError, when not nil, is called with every error a method returns (the
// library passes the test's Fatalf).
func NewClient(addr string, onError func(error)) *Client {
	return &Client{base: "http://" + addr, port: ProxyPort, http: &http.Client{Timeout: requestTimeout}, onError: onError}
}

// Port returns a client that changes port instead (a container port of the
// fault server, e.g. 8004).
func (c *Client) Port(port int) *Client {
	cc := *c
	cc.port = port
	return &cc
}

// Latency holds every chunk relayed on the port for d, each way.
func (c *Client) Latency(d time.Duration) error {
	return c.Set(Fault{Latency: Duration(d)})
}

// LatencyJitter holds every chunk for d plus or minus up to jitter.
func (c *Client) LatencyJitter(d, jitter time.Duration) error {
	return c.Set(Fault{Latency: Duration(d), Jitter: Duration(jitter)})
}

// Bandwidth limits the port to bytesPerSecond each way.
func (c *Client) Bandwidth(bytesPerSecond int64) error {
	return c.Set(Fault{Bandwidth: bytesPerSecond})
}

// Slice writes at most n bytes at a time, pausing delay between writes.
func (c *Client) Slice(n int, delay time.Duration) error {
	return c.Set(Fault{Slice: n, SliceDelay: Duration(delay)})
}

// CloseAfter closes new connections after n bytes reached the client.
func (c *Client) CloseAfter(n int64) error { return c.Set(Fault{CloseAfter: n}) }

// Silent makes the port accept new connections and never answer.
func (c *Client) Silent() error { return c.Set(Fault{Mode: ModeSilent}) }

// Reset makes the port reset new connections.
func (c *Client) Reset() error { return c.Set(Fault{Mode: ModeReset}) }

// Blackhole makes the port drop every packet: connects time out.
func (c *Client) Blackhole() error { return c.Set(Fault{Mode: ModeBlackhole}) }

// Set replaces the port's fault.
func (c *Client) Set(f Fault) error {
	body, err := json.Marshal(f)
	if err != nil {
		return c.fail(err)
	}
	return c.fail(c.do(http.MethodPut, "/faults/"+strconv.Itoa(c.port), body, nil))
}

// Clear puts the port back to its preset (for the proxy port: no fault).
func (c *Client) Clear() error {
	return c.fail(c.do(http.MethodDelete, "/faults/"+strconv.Itoa(c.port), nil, nil))
}

// Get returns the port's state.
func (c *Client) Get() (Port, error) {
	var p Port
	err := c.do(http.MethodGet, "/faults/"+strconv.Itoa(c.port), nil, &p)
	return p, c.fail(err)
}

// List returns every port's state, by port number.
func (c *Client) List() ([]Port, error) {
	var ps []Port
	err := c.do(http.MethodGet, "/faults", nil, &ps)
	return ps, c.fail(err)
}

func (c *Client) fail(err error) error {
	if err != nil && c.onError != nil {
		c.onError(err)
	}
	return err
}

func (c *Client) do(method, path string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("faults %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("faults %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("faults %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("faults %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("faults %s %s: %w", method, path, err)
		}
	}
	return nil
}

// String is the API's base URL ("http://127.0.0.1:49160").
func (c *Client) String() string { return c.base }
