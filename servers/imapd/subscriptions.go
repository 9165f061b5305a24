package imapd

import (
	"maps"
	"slices"
	"sync"
)

// subscriptions are each user's subscribed mailbox names (RFC 3501 section
// 6.3.6), kept by the server for as long as it runs. A user starts
// subscribed to the mailboxes the store held at the user's first use.
//
// CREATE subscribes to the new mailbox on the client's behalf; DELETE takes
// back such a subscription unless the client has since subscribed itself,
// so that creating and deleting mailboxes leaves no names behind. Every
// other subscription outlives DELETE, as RFC 3501 section 6.3.6 wants.
type subscriptions struct {
	mu    sync.Mutex
	users map[string]map[string]subscription
}

// subscription says how a name came to be subscribed. The greater kind
// wins when both apply.
type subscription uint8

const (
	subscribedByCreate subscription = iota + 1 // CREATE's alone: DELETE ends it
	subscribed                                 // the client's, or held from the start
)

func newSubscriptions() *subscriptions {
	return &subscriptions{users: map[string]map[string]subscription{}}
}

// of returns user's set, made from initial on first use, and whether it
// was made now. mu is held.
func (s *subscriptions) of(user string, initial func() ([]string, error)) (set map[string]subscription, made bool, err error) {
	if set, ok := s.users[user]; ok {
		return set, false, nil
	}
	names, err := initial()
	if err != nil {
		return nil, false, err
	}
	set = map[string]subscription{}
	for _, n := range names {
		set[n] = subscribed
	}
	s.users[user] = set
	return set, true, nil
}

// list returns user's subscribed names, in LIST order.
func (s *subscriptions) list(user string, initial func() ([]string, error)) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, _, err := s.of(user, initial)
	if err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Keys(set))
	sortMailboxes(out)
	return out, nil
}

// set subscribes user to name (SUBSCRIBE), or unsubscribes when on is
// false (UNSUBSCRIBE).
func (s *subscriptions) set(user, name string, on bool, initial func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, _, err := s.of(user, initial)
	if err != nil {
		return err
	}
	if on {
		set[name] = subscribed
	} else {
		delete(set, name)
	}
	return nil
}

// created follows a CREATE of name: user is subscribed to it until it is
// deleted, unless subscribed already (to a name whose mailbox went, as
// subscriptions outlive it).
func (s *subscriptions) created(user, name string, initial func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, made, err := s.of(user, initial)
	if err != nil {
		return err
	}
	if made || set[name] == 0 { // a set made just now took the new mailbox from the store
		set[name] = subscribedByCreate
	}
	return nil
}

// deleted follows a DELETE of name: the subscription CREATE made goes.
func (s *subscriptions) deleted(user, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set := s.users[user]; set[name] == subscribedByCreate {
		delete(set, name)
	}
}

// renamed follows a RENAME: subscriptions to from and to the names below
// it move to the new names. INBOX stays subscribed when renamed, and its
// new mailbox is subscribed if INBOX was.
func (s *subscriptions) renamed(user, from, to string, initial func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, _, err := s.of(user, initial)
	if err != nil {
		return err
	}
	if from == "INBOX" {
		if kind, ok := set[from]; ok {
			set[to] = max(set[to], kind)
		}
		return nil
	}
	moved := map[string]subscription{}
	for name, kind := range set {
		if name == from || isBelow(name, from) {
			moved[name] = kind
		}
	}
	for name := range moved {
		delete(set, name)
	}
	for name, kind := range moved {
		n := to + name[len(from):]
		set[n] = max(set[n], kind)
	}
	return nil
}
