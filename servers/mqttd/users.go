package mqttd

import "strings"

// User is one login of the broker.
type User struct {
	Name, Password string
	// Topics are the topic filters the user may publish and subscribe to
	// ("public/#", "sensors/+/temp"); nil means every topic.
	Topics []string
}

// Users decides logins and topic access. It is the broker's only state
// outside the protocol engine, and is read only.
type Users struct {
	byName    map[string]User
	anonymous bool
}

// NewUsers returns the access rules for users; anonymous says whether a
// client that sends no username may connect (with access to every topic).
func NewUsers(users []User, anonymous bool) *Users {
	u := &Users{byName: map[string]User{}, anonymous: anonymous}
	for _, x := range users {
		u.byName[x.Name] = x
	}
	return u
}

// Login reports whether a client with this username and password (empty
// username: none given) may connect.
func (u *Users) Login(name, password string, hasPassword bool) bool {
	if name == "" && !hasPassword {
		return u.anonymous
	}
	x, ok := u.byName[name]
	return ok && hasPassword && x.Password == password
}

// Allowed reports whether the user may publish to topic or subscribe with
// it as a filter. An anonymous client (name "") may use every topic.
func (u *Users) Allowed(name, topic string) bool {
	if name == "" {
		return u.anonymous
	}
	x, ok := u.byName[name]
	if !ok {
		return false
	}
	if x.Topics == nil {
		return true
	}
	for _, f := range x.Topics {
		if filterCovers(f, topic) {
			return true
		}
	}
	return false
}

// filterCovers reports whether every topic that topic (a topic or a filter
// with + and #) can name also matches filter.
func filterCovers(filter, topic string) bool {
	fs, ts := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, f := range fs {
		if f == "#" {
			return true
		}
		if i >= len(ts) {
			return false
		}
		switch t := ts[i]; {
		case t == "#":
			return false // the topic reaches deeper than the filter allows
		case f == "+":
			// any one level, including a + of the topic
		case t == "+" || t != f:
			return false
		}
	}
	return len(fs) == len(ts)
}
