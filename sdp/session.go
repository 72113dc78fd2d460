package sdp

import "slices"

// Session is an SDP session description (RFC 4566 §5), reduced to what an
// RTSP server announces and an RTSP client needs.
type Session struct {
	// Origin is the value of the o= line (RFC 4566 §5.2): "username
	// sess-id sess-version nettype addrtype unicast-address", e.g.
	// "- 1188340656180883 1 IN IP4 127.0.0.1". Empty marshals as
	// "- 0 0 IN IP4 127.0.0.1".
	Origin string
	// Name is the session name, the s= line (§5.3). Empty marshals as a
	// single space, as RFC 4566 recommends.
	Name string
	// ConnAddr is the connection address of the c= line (§5.7) without its
	// "IN IP4" prefix; empty marshals as 0.0.0.0, which tells RTSP clients
	// to use the RTSP server's address. Unmarshal takes it from the session
	// level, or from the first media-level c= line when the session has none
	// (gst-rtsp-server puts it there).
	ConnAddr string
	// Control is the session-level a=control (RFC 2326 §C.1.1): the
	// aggregate control URL, "*" meaning the base URL. Empty marshals as "*".
	Control string
	// Range is the value of a=range (RFC 2326 §C.1.5), e.g. "npt=0-25.000"
	// for a file or "npt=now-" for a live stream; empty is omitted. Unmarshal
	// falls back to the first media-level a=range.
	Range string
	// Attributes holds the other session-level attributes, in order.
	Attributes []Attribute
	// Media holds the media descriptions (m= sections), in order.
	Media []Media
}

// Media is one media description (RFC 4566 §5.14): an m= line and the
// attributes that follow it.
type Media struct {
	// Type is the media type, e.g. "video". Empty marshals as "video".
	Type string
	// Port is the transport port; 0 for RTSP (the port is negotiated by
	// SETUP).
	Port int
	// Proto is the transport protocol, "RTP/AVP". Empty marshals as
	// "RTP/AVP".
	Proto string
	// Formats lists the RTP payload types, e.g. [26] for JPEG (RFC 3551).
	// Empty marshals as the sorted keys of RTPMap.
	Formats []int
	// Control is the media-level a=control (RFC 2326 §C.1.1), usually
	// relative to the base URL, e.g. "stream=0". Empty marshals as
	// "stream=N", N being the media's index: GStreamer fails on a
	// description with a=control:* but no media-level control (interop.md).
	Control string
	// RTPMap maps payload types to the encoding of their a=rtpmap line
	// (RFC 4566 §6): 26 -> "JPEG/90000" (encoding name / clock rate
	// [/ parameters]). Marshal writes a line for each payload type of
	// Formats present in the map.
	RTPMap map[int]string
	// Framerate is a=framerate (RFC 4566 §6), frames per second; 0 is
	// omitted.
	Framerate float64
	// Attributes holds the other media-level attributes, in order.
	Attributes []Attribute
}

// Attribute is an a= line (RFC 4566 §5.13): "a=Key:Value", or "a=Key" for a
// property attribute (empty Value).
type Attribute struct {
	// Key is the attribute name, e.g. "tool" or "recvonly".
	Key string
	// Value is the text after the first ':', spaces trimmed; empty for a
	// property attribute.
	Value string
}

// Attribute returns the value of the first session-level attribute named key
// among Attributes (control and range live in their own fields).
func (s *Session) Attribute(key string) (string, bool) {
	return lookup(s.Attributes, key)
}

// Attribute returns the value of the first media-level attribute named key
// among Attributes (control, rtpmap and framerate live in their own fields).
func (m *Media) Attribute(key string) (string, bool) {
	return lookup(m.Attributes, key)
}

func lookup(attrs []Attribute, key string) (string, bool) {
	i := slices.IndexFunc(attrs, func(a Attribute) bool { return a.Key == key })
	if i < 0 {
		return "", false
	}
	return attrs[i].Value, true
}
