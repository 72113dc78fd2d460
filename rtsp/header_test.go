package rtsp

import (
	"reflect"
	"testing"
)

func TestHeader(t *testing.T) {
	var h Header
	h.Set("CSeq", "1")
	h.Add("WWW-Authenticate", `Digest realm="a"`)
	h.Add("www-authenticate", `Basic realm="a"`)
	h.Set("Session", "837388")
	h.Set("cseq", "2") // replaces in place, keeps the original spelling
	want := Header{{"CSeq", "2"}, {"WWW-Authenticate", `Digest realm="a"`}, {"www-authenticate", `Basic realm="a"`}, {"Session", "837388"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got %v", h)
	}
	if h.Get("CSEQ") != "2" || h.Get("Missing") != "" || !h.Has("session") || h.Has("Range") {
		t.Fatal("Get/Has")
	}
	if v := h.Values("WWW-AUTHENTICATE"); len(v) != 2 || v[1] != `Basic realm="a"` {
		t.Fatalf("Values = %q", v)
	}
	c := h.Clone()
	h.Del("www-authenticate")
	if !reflect.DeepEqual(h, Header{{"CSeq", "2"}, {"Session", "837388"}}) {
		t.Fatalf("after Del: %v", h)
	}
	if len(c) != 4 {
		t.Fatalf("Clone shares storage: %v", c)
	}
	r := Response{StatusCode: 200, Header: h}
	if got := string(r.Marshal()); got != "RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: 837388\r\n\r\n" {
		t.Fatalf("marshal %q", got)
	}
}

func TestStatusText(t *testing.T) {
	for code, want := range map[int]string{
		StatusOK: "OK", StatusBadRequest: "Bad Request", StatusUnauthorized: "Unauthorized", StatusNotFound: "Not Found",
		StatusMethodNotAllowed: "Method Not Allowed", StatusSessionNotFound: "Session Not Found",
		StatusMethodNotValidInThisState: "Method Not Valid in This State", StatusUnsupportedTransport: "Unsupported transport",
		StatusNotImplemented: "Not Implemented", StatusRTSPVersionNotSupported: "RTSP Version not supported",
		StatusLowOnStorageSpace: "Low on Storage Space", StatusOptionNotSupported: "Option not supported", 299: "",
	} {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}
