package wsd

import (
	"sync"

	"github.com/coder/websocket"
)

// Message is one WebSocket message.
type Message struct {
	Type websocket.MessageType
	Data []byte
}

// Hub is the broadcast rooms: each member has a queue of messages to send.
// It is safe for concurrent use.
type Hub struct {
	mu    sync.Mutex
	rooms map[string]map[chan Message]struct{}
}

// NewHub returns a hub with no rooms.
func NewHub() *Hub { return &Hub{rooms: map[string]map[chan Message]struct{}{}} }

// Join adds a member to room and returns its queue, and how to leave.
func (h *Hub) Join(room string) (<-chan Message, func()) {
	q := make(chan Message, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[room] == nil {
		h.rooms[room] = map[chan Message]struct{}{}
	}
	h.rooms[room][q] = struct{}{}
	return q, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.rooms[room], q)
		if len(h.rooms[room]) == 0 {
			delete(h.rooms, room)
		}
	}
}

// Broadcast queues m for every member of room, the sender included, and
// returns how many got it; a member whose queue is full misses it.
func (h *Hub) Broadcast(room string, m Message) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for q := range h.rooms[room] {
		select {
		case q <- m:
			n++
		default:
		}
	}
	return n
}
