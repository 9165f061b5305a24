package lifecycle

import "context"

// StartTrace is how an engine's Start reports its inner steps, the way
// net/http/httptrace reports a request's: lifecycle puts one in the context
// of every Start, and an engine calls what it can. A nil hook is skipped.
type StartTrace struct {
	// Created is called once the server's container (or process) exists,
	// right before it is started.
	Created func()
}

type startTraceKey struct{}

// WithStartTrace returns ctx carrying t.
func WithStartTrace(ctx context.Context, t *StartTrace) context.Context {
	return context.WithValue(ctx, startTraceKey{}, t)
}

// ContextStartTrace returns the StartTrace in ctx, or a StartTrace whose
// hooks do nothing.
func ContextStartTrace(ctx context.Context) *StartTrace {
	if t, ok := ctx.Value(startTraceKey{}).(*StartTrace); ok && t != nil {
		return t
	}
	return &StartTrace{}
}

// CreatedHook calls the Created hook of the StartTrace in ctx, if any.
func CreatedHook(ctx context.Context) {
	if f := ContextStartTrace(ctx).Created; f != nil {
		f()
	}
}
