package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// Transport is one transport-spec of a Transport header (RFC 2326 §12.39):
//
//	RTP/AVP;unicast;client_port=27488-27489                (ffmpeg, GStreamer)
//	RTP/AVP/TCP;unicast;interleaved=0-1                    (RTP over RTSP)
//	RTP/AVP;unicast;client_port=a-b;server_port=c-d;ssrc=0A1B2C3D;mode="PLAY"  (reply)
//	RTP/UDP; client_port= 25000                            (lab client)
type Transport struct {
	// Profile is transport-protocol/profile in upper case, "RTP/AVP". The
	// lab's "RTP/UDP" parses as Profile "RTP" and Lower "UDP" (see
	// LabDialect).
	Profile string
	// Lower is the lower transport, "UDP" or "TCP", as written; "" means
	// UDP (§12.39 default) and is what String writes for plain "RTP/AVP".
	Lower string
	// Unicast and Multicast record the parameters of that name.
	Unicast, Multicast bool
	// Destination is the destination parameter's address, if any.
	Destination string
	// ClientPort, ServerPort are RTP/RTCP port pairs; Interleaved is the
	// pair of channel numbers for RTP over the RTSP connection (§10.12).
	ClientPort, ServerPort, Interleaved PortRange
	// SSRC is the ssrc parameter (8 hex digits), valid when HasSSRC.
	SSRC    uint32
	HasSSRC bool
	// Mode is the mode parameter without quotes ("PLAY", "RECORD").
	Mode string
	// Raw is the transport-spec as received, white space trimmed; String
	// does not use it.
	Raw string
}

// PortRange is a port or channel pair "a-b", or a single value "a"
// (Lo=a, Hi=0, Set=true), as the lab client sends.
type PortRange struct {
	Lo, Hi int
	Set    bool
}

// Ports returns the RTP and RTCP ports (or channels) of the range: Lo and
// Hi, or Lo and Lo+1 when only Lo was given (RFC 3550 §11 pairing).
func (p PortRange) Ports() (rtp, rtcp int) {
	if p.Hi == 0 && p.Lo != 0 {
		return p.Lo, p.Lo + 1
	}
	return p.Lo, p.Hi
}

// String returns "a-b", or "a" when Hi is 0, or "" when not Set.
func (p PortRange) String() string {
	if !p.Set {
		return ""
	}
	if p.Hi == 0 {
		return strconv.Itoa(p.Lo)
	}
	return strconv.Itoa(p.Lo) + "-" + strconv.Itoa(p.Hi)
}

// LabDialect reports the lab client's "RTP/UDP" transport: whole JPEG
// frames in plain RTP over UDP, a single client port.
func (t Transport) LabDialect() bool {
	return t.Profile == "RTP" && t.Lower == "UDP"
}

// TCP reports RTP interleaved in the RTSP connection ("RTP/AVP/TCP").
func (t Transport) TCP() bool { return t.Lower == "TCP" }

// ParseTransports parses a Transport header value: comma-separated
// alternatives in order of preference (RFC 2326 §12.39). It tolerates white
// space around parameters and values ("client_port= 25000"), quoted or bare
// mode, and ignores unknown parameters (ttl, port, layers...).
func ParseTransports(s string) ([]Transport, error) {
	var ts []Transport
	for _, spec := range splitOutsideQuotes(s, ',') {
		spec = trimOWS(spec)
		if spec == "" {
			continue
		}
		t, err := parseTransport(spec)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%w: empty Transport", ErrBadHeader)
	}
	return ts, nil
}

func parseTransport(spec string) (Transport, error) {
	params := splitOutsideQuotes(spec, ';')
	t := Transport{Raw: spec}
	proto := strings.ToUpper(trimOWS(params[0]))
	parts := strings.Split(proto, "/")
	for _, p := range parts {
		if !isToken([]byte(p)) {
			return Transport{}, fmt.Errorf("%w: Transport protocol %q", ErrBadHeader, proto)
		}
	}
	switch {
	case len(parts) == 3:
		t.Profile, t.Lower = parts[0]+"/"+parts[1], parts[2]
	case len(parts) == 2 && (parts[1] == "UDP" || parts[1] == "TCP"):
		t.Profile, t.Lower = parts[0], parts[1] // the lab's RTP/UDP
	case len(parts) == 2:
		t.Profile = proto
	default:
		return Transport{}, fmt.Errorf("%w: Transport protocol %q", ErrBadHeader, proto)
	}
	for _, p := range params[1:] {
		key, val, _ := strings.Cut(p, "=")
		key = strings.ToLower(trimOWS(key))
		val = trimOWS(val)
		var err error
		switch key {
		case "":
			if val != "" {
				err = fmt.Errorf("%w: Transport parameter %q", ErrBadHeader, p)
			}
		case "unicast":
			t.Unicast = true
		case "multicast":
			t.Multicast = true
		case "destination":
			var ok bool
			if t.Destination, ok = unquoteSimple(val); !ok {
				err = fmt.Errorf("%w: Transport destination %q", ErrBadHeader, val)
			}
		case "client_port":
			t.ClientPort, err = parsePortRange(val, 65535)
		case "server_port":
			t.ServerPort, err = parsePortRange(val, 65535)
		case "interleaved":
			t.Interleaved, err = parsePortRange(val, 255)
		case "ssrc":
			t.SSRC, err = parseSSRC(val)
			t.HasSSRC = err == nil
		case "mode":
			var ok bool
			if t.Mode, ok = unquoteSimple(val); !ok {
				err = fmt.Errorf("%w: Transport mode %q", ErrBadHeader, val)
			}
		}
		if err != nil {
			return Transport{}, err
		}
	}
	return t, nil
}

func parsePortRange(s string, maxv int64) (PortRange, error) {
	lo, hi, dash := strings.Cut(s, "-")
	l, ok := parseDigits(lo, 5)
	if !ok || l > maxv {
		return PortRange{}, fmt.Errorf("%w: port range %q", ErrBadHeader, s)
	}
	p := PortRange{Lo: int(l), Set: true}
	if dash {
		h, ok := parseDigits(hi, 5)
		if !ok || h > maxv || h < l {
			return PortRange{}, fmt.Errorf("%w: port range %q", ErrBadHeader, s)
		}
		p.Hi = int(h)
	}
	return p, nil
}

func parseSSRC(s string) (uint32, error) {
	s, _ = unquoteSimple(s)
	if len(s) == 0 || len(s) > 8 {
		return 0, fmt.Errorf("%w: ssrc %q", ErrBadHeader, s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: ssrc %q", ErrBadHeader, s)
	}
	return uint32(v), nil
}

// String formats t as a transport-spec, in the order peers expect:
// profile[/lower];unicast;multicast;destination;interleaved;client_port;
// server_port;ssrc;mode="...". Raw is not used.
func (t Transport) String() string {
	b := make([]byte, 0, 96)
	b = append(b, t.Profile...)
	if t.Lower != "" {
		b = append(b, '/')
		b = append(b, t.Lower...)
	}
	if t.Unicast {
		b = append(b, ";unicast"...)
	}
	if t.Multicast {
		b = append(b, ";multicast"...)
	}
	if t.Destination != "" {
		b = append(b, ";destination="...)
		if needsListQuotes(t.Destination) {
			b = appendInQuotes(b, t.Destination)
		} else {
			b = append(b, t.Destination...)
		}
	}
	for _, pr := range []struct {
		name string
		p    PortRange
	}{{";interleaved=", t.Interleaved}, {";client_port=", t.ClientPort}, {";server_port=", t.ServerPort}} {
		if pr.p.Set {
			b = append(b, pr.name...)
			b = append(b, pr.p.String()...)
		}
	}
	if t.HasSSRC {
		b = fmt.Appendf(b, ";ssrc=%08X", t.SSRC)
	}
	if t.Mode != "" {
		b = append(b, ";mode="...)
		b = appendInQuotes(b, t.Mode)
	}
	return string(b)
}

// FormatTransports joins transport-specs into a Transport header value
// (alternatives, most preferred first).
func FormatTransports(ts []Transport) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ",")
}
