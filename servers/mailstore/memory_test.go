package mailstore

import (
	"context"
	"errors"
	"testing"
)

func TestMemory(t *testing.T) {
	m := NewMemory("ann")
	ctx := context.Background()
	if err := m.Deliver(ctx, "bob", []byte("x")); !errors.Is(err, ErrNoUser) {
		t.Errorf("Deliver(bob) = %v, want ErrNoUser", err)
	}
	msg := []byte("Subject: one\r\n\r\nbody\r\n")
	for range 3 {
		if err := m.Deliver(ctx, "ann", msg); err != nil {
			t.Fatal(err)
		}
	}
	msg[0] = 'X' // the store kept a copy
	got, err := m.Messages("ann")
	if err != nil || len(got) != 3 || got[0].Data[0] != 'S' || got[0].UID == got[1].UID {
		t.Fatalf("Messages(ann) = %+v, %v; want 3 distinct copies", got, err)
	}
	if err := m.Delete("ann", []string{got[0].UID, "unknown"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Deliver(ctx, "ann", msg); err != nil {
		t.Fatal(err)
	}
	after, _ := m.Messages("ann")
	if len(after) != 3 || after[0].UID != got[1].UID || after[2].UID == got[0].UID {
		t.Errorf("after Delete and Deliver: %+v, want UIDs never reused", after)
	}
}
