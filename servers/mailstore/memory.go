package mailstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Memory is a Store in memory. The zero value has no mailboxes; use
// NewMemory.
type Memory struct {
	mu      sync.Mutex
	boxes   map[string][]Message
	nextUID uint64
	now     func() time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns a store with an empty mailbox for each user.
func NewMemory(users ...string) *Memory {
	m := &Memory{boxes: map[string][]Message{}, now: time.Now}
	for _, u := range users {
		m.boxes[u] = nil
	}
	return m
}

// Deliver implements Deliverer.
func (m *Memory) Deliver(_ context.Context, user string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	box, ok := m.boxes[user]
	if !ok {
		return fmt.Errorf("deliver to %q: %w", user, ErrNoUser)
	}
	m.nextUID++
	m.boxes[user] = append(box, Message{
		UID:      "m" + strconv.FormatUint(m.nextUID, 10),
		Data:     slices.Clone(msg),
		Received: m.now(),
	})
	return nil
}

// HasUser implements Store.
func (m *Memory) HasUser(user string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.boxes[user]
	return ok
}

// Messages implements Store. The messages' Data must not be changed.
func (m *Memory) Messages(user string) ([]Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	box, ok := m.boxes[user]
	if !ok {
		return nil, fmt.Errorf("messages of %q: %w", user, ErrNoUser)
	}
	return slices.Clone(box), nil
}

// Delete implements Store.
func (m *Memory) Delete(user string, uids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	box, ok := m.boxes[user]
	if !ok {
		return fmt.Errorf("delete from %q: %w", user, ErrNoUser)
	}
	m.boxes[user] = slices.DeleteFunc(box, func(msg Message) bool { return slices.Contains(uids, msg.UID) })
	return nil
}
