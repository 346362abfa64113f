package httpx

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// jsonValue is one value of a JSON document met in a walk: its path as a
// caller names a field (decisions[0].department), whether it is a null, and
// the offset where the previous token ended, which is where the decoder's
// errors about it point past.
type jsonValue struct {
	path  string
	null  bool
	after int64
}

// walkJSON visits every value of a syntactically valid document in order,
// until visit returns false.
func walkJSON(raw []byte, visit func(jsonValue) bool) {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	// done moves the enclosing container past the value just finished.
	done := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		after := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if tok == json.Delim('}') || tok == json.Delim(']') {
				stack = stack[:n-1]
				done()
				continue
			}
			if !top.array && top.wantKey {
				top.key, _ = tok.(string)
				top.wantKey = false
				continue
			}
		}
		if !visit(jsonValue{path: path(), null: tok == nil, after: after}) {
			return
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{array: true})
		default:
			done()
		}
	}
}

// firstNull is the path of the first explicit null below the top level.
func firstNull(raw []byte) (string, bool) {
	var found string
	var ok bool
	walkJSON(raw, func(v jsonValue) bool {
		if v.null && v.path != "" {
			found, ok = v.path, true
			return false
		}
		return true
	})
	return found, ok
}

// pathAt is the path of the innermost value at byte offset off: the last
// value that began before it.
func pathAt(raw []byte, off int64) string {
	var p string
	walkJSON(raw, func(v jsonValue) bool {
		if v.after >= off {
			return false
		}
		p = v.path
		return true
	})
	return p
}
