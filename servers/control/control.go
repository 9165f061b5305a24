// Package control is the control channel of testbed's built-in servers: a
// small HTTP endpoint beside a server (in its container, or in the local
// driver's supervisor) through which testbed puts the server back to its
// seeded state when a testbed is reused. One request exists:
//
//	POST /reset   Authorization: Bearer TOKEN   -> 204 once the server runs anew
//
// The token is derived from the project's CA (testca.CA.Secret), so only
// whoever holds the project's state can reset its servers.
package control

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Port is the container port of a built-in server's control channel. It
// is declared on the container but never published: testbed reaches it on
// the container's own address, or through exec where it cannot.
const Port = 65531

// EnvToken is the variable that hands a server its control token.
const EnvToken = "TESTBED_CONTROL_TOKEN"

// TokenPurpose is what testca.CA.Secret derives the token for.
const TokenPurpose = "control"

// Handler serves the control requests: reset runs a reset and returns
// when it is done.
func Handler(token string, reset func(ctx context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "wrong or missing control token", http.StatusUnauthorized)
			return
		}
		if err := reset(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// Serve serves Handler on l until ctx ends, logging each reset (how long
// it took, or why it failed) to log when it is not nil.
func Serve(ctx context.Context, l net.Listener, token string, reset func(ctx context.Context) error, log *slog.Logger) error {
	logged := func(rctx context.Context) error {
		began := time.Now()
		err := reset(rctx)
		switch {
		case log == nil:
		case err != nil:
			log.Error("reset failed", "err", err)
		default:
			log.Info("reset to the seeded state", "took", time.Since(began).Round(time.Microsecond))
		}
		return err
	}
	srv := &http.Server{Handler: Handler(token, logged), ReadHeaderTimeout: 10 * time.Second}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Reset asks the control channel at addr ("172.18.0.3:65531") to reset
// its server, and waits until it has.
func Reset(ctx context.Context, client *http.Client, addr, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/reset", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("reset through %s: %w", addr, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("reset through %s: %s: %s", addr, res.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
