package imapd

import "sync"

// hub is what the sessions of one server share about mailboxes beyond the
// store: which messages are still \Recent, and which sessions idle on a
// mailbox and want to hear of its changes at once. It holds an entry only
// for a mailbox with something to remember: DELETE and RENAME drop the
// entries of the names they take away, and an entry that has neither
// watchers nor \Recent state goes when its last watcher leaves, so that
// mailboxes made and deleted over a server's life leave nothing behind.
type hub struct {
	mu    sync.Mutex
	boxes map[boxKey]*boxState
}

// boxKey names one user's mailbox.
type boxKey struct{ user, name string }

type boxState struct {
	uidValidity uint32
	// recentUID is the largest UID a read-write session has been told of:
	// the messages above it are \Recent to the next session that sees them
	// (RFC 3501 section 2.3.2). UIDs only grow, so one number is enough.
	// While it is 0 the entry is as good as none.
	recentUID uint32
	idlers    map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{boxes: map[boxKey]*boxState{}} }

// box returns the state of a mailbox, made on first use. mu is held.
func (h *hub) box(user, name string) *boxState {
	k := boxKey{user, name}
	b, ok := h.boxes[k]
	if !ok {
		b = &boxState{idlers: map[chan struct{}]struct{}{}}
		h.boxes[k] = b
	}
	return b
}

// claimRecent returns the UID at and below which messages of user's
// mailbox name, of UIDVALIDITY validity, are no longer \Recent. When claim
// is set (a read-write session looks at messages up to UID upTo), those
// messages stop being \Recent for every session that comes later.
func (h *hub) claimRecent(user, name string, validity, upTo uint32, claim bool) uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.boxes[boxKey{user, name}]
	if !ok {
		if !claim || upTo == 0 {
			return 0 // nothing claimed yet, nor now: no entry needed
		}
		b = h.box(user, name)
	}
	if b.uidValidity != validity { // a new mailbox under an old name
		b.uidValidity, b.recentUID = validity, 0
	}
	floor := b.recentUID
	if claim {
		b.recentUID = max(b.recentUID, upTo)
	}
	return floor
}

// watch registers for changes to user's mailbox name: after each one the
// returned channel holds a value (at most one is pending). stop ends it;
// it leaves the hub without the entry when nothing else needs it.
func (h *hub) watch(user, name string) (changes <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	k := boxKey{user, name}
	h.mu.Lock()
	b := h.box(user, name)
	b.idlers[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		// b, not the entry now under k: DELETE or RENAME may have dropped
		// b, and k may name a new mailbox since.
		delete(b.idlers, ch)
		if h.boxes[k] == b && len(b.idlers) == 0 && b.recentUID == 0 {
			delete(h.boxes, k)
		}
	}
}

// changed wakes the sessions watching user's mailbox name.
func (h *hub) changed(user, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b, ok := h.boxes[boxKey{user, name}]; ok {
		b.wake()
	}
}

// wake tells each watcher of b that it changed. The hub's mu is held.
func (b *boxState) wake() {
	for ch := range b.idlers {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// deleted follows a DELETE: the sessions watching user's mailbox name are
// woken to find it gone, and its entry is dropped. The watchers keep their
// hold on it until they stop; a mailbox made later under the name starts
// afresh.
func (h *hub) deleted(user, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := boxKey{user, name}
	if b, ok := h.boxes[k]; ok {
		b.wake()
		delete(h.boxes, k)
	}
}

// renamed follows a RENAME: the \Recent state of from and of the mailboxes
// below it moves to their new names, and the sessions watching the old
// names are woken to find them gone; the entries of the old names are
// dropped, as by deleted. Renaming INBOX only empties it; its messages
// arrive in to as new (\Recent), as a COPY's would.
func (h *hub) renamed(user, from, to string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := map[boxKey]*boxState{}
	for k, b := range h.boxes {
		if k.user == user && (k.name == from || from != "INBOX" && isBelow(k.name, from)) {
			b.wake()
			old[k] = b
		}
	}
	if from == "INBOX" {
		return // INBOX stays, and so does its state
	}
	// Every old entry goes before any new one is made: a new name can be
	// an old one ("a/b" with "a/b/b" below it, renamed to "a").
	for k := range old {
		delete(h.boxes, k)
	}
	for k, b := range old {
		if b.recentUID == 0 {
			continue // nothing to carry over
		}
		nb := h.box(user, to+k.name[len(from):])
		nb.uidValidity, nb.recentUID = b.uidValidity, b.recentUID
	}
}
