package imapd

import "sync"

// hub is what the sessions of one server share about mailboxes beyond the
// store: which messages are still \Recent, and which sessions idle on a
// mailbox and want to hear of its changes at once.
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
	b := h.box(user, name)
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
// returned channel holds a value (at most one is pending). stop ends it.
func (h *hub) watch(user, name string) (changes <-chan struct{}, stop func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.box(user, name).idlers[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.box(user, name).idlers, ch)
		h.mu.Unlock()
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

// renamed follows a RENAME: the \Recent state of from and of the mailboxes
// below it moves to their new names, and the sessions watching the old
// names are woken to find them gone. Renaming INBOX only empties it; its
// messages arrive in to as new (\Recent), as a COPY's would.
func (h *hub) renamed(user, from, to string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var old []boxKey
	for k := range h.boxes {
		if k.user == user && (k.name == from || from != "INBOX" && isBelow(k.name, from)) {
			old = append(old, k)
		}
	}
	for _, k := range old {
		b := h.boxes[k]
		b.wake()
		if from != "INBOX" {
			nb := h.box(user, to+k.name[len(from):])
			nb.uidValidity, nb.recentUID = b.uidValidity, b.recentUID
		}
	}
}
