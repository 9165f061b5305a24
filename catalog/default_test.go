package catalog

import (
	"strings"
	"testing"
)

// Opt-in kinds stay out of the default testbed and join it when named.
func TestDefaultWith(t *testing.T) {
	c := New()
	names := func(n ...string) string {
		var out []string
		for _, s := range c.DefaultWith(n...).Servers {
			out = append(out, s.Name+"="+s.Builtin)
		}
		return strings.Join(out, " ")
	}
	base := "http=http proxy=proxy socks=socks ftp=ftp imap=imap echo=echo"
	if got := names(); got != base {
		t.Errorf("DefaultWith() = %s, want %s", got, base)
	}
	if got := names("mqtt", "http", "nosuchkind", "mqtt"); got != base+" mqtt=mqtt" {
		t.Errorf("DefaultWith(mqtt, http, nosuchkind, mqtt) = %s, want the default and mqtt once", got)
	}
	for _, n := range append([]string{"mqtt", "mail", "coap"}, DefaultOrder...) {
		k, _ := c.Kind(n)
		optIn := len(k.Endpoints) > 0 && strings.HasPrefix(k.Endpoints[0], "opt-in:")
		if optIn == contains(DefaultOrder, n) {
			t.Errorf("kind %s: opt-in note %v, in DefaultOrder %v; want exactly one", n, optIn, contains(DefaultOrder, n))
		}
	}
	if _, ok := c.Kind("mqtt"); !ok || !strings.Contains(strings.Join(c.Names(), " "), "mqtt") {
		t.Error("Names() lacks mqtt, want every kind listed (testbed servers)")
	}
}
