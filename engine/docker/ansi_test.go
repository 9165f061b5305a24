package docker

import (
	"strings"
	"testing"
)

func TestReadJSONStreamStripsANSI(t *testing.T) {
	stream := `{"stream":"Step 2/2 : RUN false\n"}
{"stream":"\u001b[91mboom: \u001b[1;31mred\u001b[0m and \u001b]0;title\u0007done\n"}
{"error":"The command '/bin/sh -c false' returned a non-zero code: 1\u001b[0m","errorDetail":{"message":"x"}}
`
	err := readJSONStream(strings.NewReader(stream))
	if err == nil {
		t.Fatal("readJSONStream() = nil, want the build's error")
	}
	if strings.Contains(err.Error(), "\x1b") {
		t.Errorf("readJSONStream() = %q, still has escape sequences", err)
	}
	if !strings.Contains(err.Error(), "boom: red and done") {
		t.Errorf("readJSONStream() = %q, want the log line without its colours", err)
	}
}
