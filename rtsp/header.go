package rtsp

import "strings"

// Field is one header line: a name, spelled as written or as given, and its
// value without surrounding white space (RFC 2326 §4.2).
type Field struct {
	Name, Value string
}

// Header is an ordered list of header fields. Lookups compare names
// case-insensitively (RFC 2326 §4.2), but names keep their spelling and
// fields are written in order: the lab client needs "CSeq" then "Session"
// right after the status line, and some peers reject "Cseq".
type Header []Field

// Get returns the value of the first field named name (case-insensitive),
// or "" if there is none.
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of every field named name, in order (for
// headers that may repeat, such as WWW-Authenticate).
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Set replaces the value of the first field named name, keeping its
// position, or appends the field when there is none. Later fields with the
// same name are left alone.
func (h *Header) Set(name, value string) {
	for i, f := range *h {
		if strings.EqualFold(f.Name, name) {
			(*h)[i].Value = value
			return
		}
	}
	*h = append(*h, Field{name, value})
}

// Add appends a field, even if one with the same name exists.
func (h *Header) Add(name, value string) {
	*h = append(*h, Field{name, value})
}

// Del removes every field named name.
func (h *Header) Del(name string) {
	out := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	clear((*h)[len(out):])
	*h = out
}

// Clone returns a copy of h that shares no storage with it.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	return append(Header(nil), h...)
}
