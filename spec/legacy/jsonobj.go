package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// object is a JSON object read key by key, with the line of each key.
type object struct {
	keys   []string                   // in file order
	values map[string]json.RawMessage // key -> raw value
	lines  map[string]int             // key -> 1-based line of the key
}

// readObject reads data as one JSON object. Duplicate keys and trailing data
// are errors; a syntax error names the file, line and column.
func readObject(file, server string, data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error { return syntaxError(file, data, dec.InputOffset(), err) }

	tok, err := dec.Token()
	if err != nil {
		return nil, fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		line, _ := position(data, dec.InputOffset())
		return nil, &spec.Error{File: file, Line: line, Server: server, Msg: "want a JSON object {...} at the top level"}
	}
	obj := &object{values: map[string]json.RawMessage{}, lines: map[string]int{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fail(fmt.Errorf("want a key"))
		}
		line, _ := position(data, dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fail(err)
		}
		if _, dup := obj.values[key]; dup {
			return nil, &spec.Error{File: file, Line: line, Server: server, Field: key, Msg: fmt.Sprintf("duplicate key (first on line %d)", obj.lines[key])}
		}
		obj.keys = append(obj.keys, key)
		obj.values[key] = v
		obj.lines[key] = line
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level object")
		}
		return nil, fail(err)
	}
	return obj, nil
}

// syntaxError places a JSON decoding error at file:line, with the column in
// the message. The decoder's offsets are relative to the value it was
// reading, so the position comes from a second, whole-document check.
func syntaxError(file string, data []byte, offset int64, err error) error {
	var v any
	var se *json.SyntaxError
	if uerr := json.Unmarshal(data, &v); errors.As(uerr, &se) {
		err = se
		switch {
		case strings.Contains(se.Error(), "end of JSON input"):
			offset = int64(len(data))
		case se.Offset > 0:
			offset = se.Offset - 1 // the offending byte is the last one read
		default:
			offset = 0
		}
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		offset = int64(len(data))
		err = errors.New("unexpected end of JSON input")
	}
	line, col := position(data, offset)
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return &spec.Error{File: file, Line: line, Msg: fmt.Sprintf("column %d: invalid JSON: %s", col, msg)}
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}
