package project

import (
	"github.com/testbed-dev/testbed/internal/redact"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/progress"
)

// Redactor masks the spec's secrets wherever testbed prints (config,
// progress, errors and their log tails, ps, the library's log): every value
// redact.FromSpec finds (secret-looking names, URL passwords, --password
// arguments) and the value of every secret option of a built-in server,
// defaults included, besides any URL password or --password= argument by
// shape. A nil Spec masks by shape only. What `logs` prints is the
// server's own output and is not masked.
func (s *Spec) Redactor() *redact.Redactor {
	if s == nil || s.Testbed == nil {
		return redact.New()
	}
	var extra []string
	for _, srv := range s.Testbed.Servers {
		if srv == nil || srv.Builtin == "" || s.Catalog == nil {
			continue
		}
		k, ok := s.Catalog.Kind(srv.Builtin)
		if !ok {
			continue
		}
		opts, err := k.ResolveOptions(srv.Options)
		if err != nil {
			continue
		}
		for name, v := range opts {
			if k.SecretOption(name) {
				extra = append(extra, v)
			}
		}
	}
	return redact.FromSpec(s.Testbed, extra...)
}

// RedactSink masks secrets in the detail of every progress event before
// next (any sink: tty, plain, json) sees it.
func RedactSink(next progress.Sink, r *redact.Redactor) progress.Sink {
	if next == nil {
		next = progress.Discard{}
	}
	return redactSink{next, r}
}

type redactSink struct {
	next progress.Sink
	r    *redact.Redactor
}

// Event implements progress.Sink.
func (s redactSink) Event(e progress.Event) {
	e.Detail = s.r.String(e.Detail)
	e.Cause = s.r.String(e.Cause)
	s.next.Event(e)
}

// RedactError masks secrets in err's message, and in the log tail of every
// server error in its chain (so a front end that prints a tail on its own
// prints it masked), keeping errors.Is and errors.As working. nil stays nil.
func RedactError(err error, r *redact.Redactor) error {
	if err == nil {
		return nil
	}
	maskTails(err, r)
	if msg := r.String(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// maskTails masks the log tail of every lifecycle.ServerError in err's tree.
func maskTails(err error, r *redact.Redactor) {
	for depth := 0; err != nil && depth < 64; depth++ {
		if se, ok := err.(*lifecycle.ServerError); ok && se != nil {
			se.Log = r.String(se.Log)
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				maskTails(e, r)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

// redactedError is an error whose message is masked; Unwrap gives the
// original, for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
