package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/testbed-dev/testbed/spec"
)

// errNull is returned for a JSON null, which every key treats as absent.
var errNull = errors.New("null")

// decode reads a raw JSON value as string, bool, json.Number, []any or
// map[string]any.
func decode(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errNull
	}
	return v, nil
}

// stringValue reads a JSON string; a number is taken as its text when
// numbers is set (a version like 22.04 written without quotes).
func stringValue(raw json.RawMessage, numbers bool) (string, error) {
	v, err := decode(raw)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		if numbers {
			return v.String(), nil
		}
	}
	return "", fmt.Errorf("want a string, got %s", kind(v))
}

// boolValue reads a JSON boolean.
func boolValue(raw json.RawMessage) (bool, error) {
	v, err := decode(raw)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("want true or false, got %s", kind(v))
	}
	return b, nil
}

// stringList reads a string or a list of strings. list tells which it was.
func stringList(raw json.RawMessage) (items []string, list bool, err error) {
	v, err := decode(raw)
	if err != nil {
		return nil, false, err
	}
	switch v := v.(type) {
	case string:
		return []string{v}, false, nil
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, true, fmt.Errorf("item %d: want a string, got %s", i, kind(e))
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, false, fmt.Errorf("want a string or a list of strings, got %s", kind(v))
}

// portList reads a port or a list of ports, each a number or a string of
// digits, read by spec.ParsePortNumber (the rule spec.Validate holds every
// port to).
func portList(raw json.RawMessage) ([]int, error) {
	v, err := decode(raw)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]int, 0, len(items))
	for _, e := range items {
		var text string
		switch e := e.(type) {
		case json.Number:
			text = e.String()
		case string:
			text = e
		default:
			return nil, fmt.Errorf("want a port number or a list of them, got %s", kind(e))
		}
		n, err := spec.ParsePortNumber(text)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// kind names a decoded JSON value's type for messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
