package imapd

import (
	"maps"
	"slices"
	"sync"
)

// subscriptions are each user's subscribed mailbox names (RFC 3501 section
// 6.3.6), kept by the server for as long as it runs. A user starts
// subscribed to the mailboxes the store held at the user's first use.
type subscriptions struct {
	mu    sync.Mutex
	users map[string]map[string]bool
}

func newSubscriptions() *subscriptions {
	return &subscriptions{users: map[string]map[string]bool{}}
}

// of returns user's set, made from initial on first use. mu is held.
func (s *subscriptions) of(user string, initial func() ([]string, error)) (map[string]bool, error) {
	if set, ok := s.users[user]; ok {
		return set, nil
	}
	names, err := initial()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	s.users[user] = set
	return set, nil
}

// list returns user's subscribed names, in LIST order.
func (s *subscriptions) list(user string, initial func() ([]string, error)) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := s.of(user, initial)
	if err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Keys(set))
	sortMailboxes(out)
	return out, nil
}

// set subscribes user to name, or unsubscribes when on is false.
func (s *subscriptions) set(user, name string, on bool, initial func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := s.of(user, initial)
	if err != nil {
		return err
	}
	if on {
		set[name] = true
	} else {
		delete(set, name)
	}
	return nil
}

// renamed follows a RENAME: subscriptions to from and to the names below
// it move to the new names. INBOX stays subscribed when renamed, and its
// new mailbox is subscribed if INBOX was.
func (s *subscriptions) renamed(user, from, to string, initial func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := s.of(user, initial)
	if err != nil {
		return err
	}
	if from == "INBOX" {
		if set[from] {
			set[to] = true
		}
		return nil
	}
	var moved []string
	for name := range set {
		if name == from || isBelow(name, from) {
			moved = append(moved, name)
		}
	}
	for _, name := range moved {
		delete(set, name)
	}
	for _, name := range moved {
		set[to+name[len(from):]] = true
	}
	return nil
}
