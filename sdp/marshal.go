package sdp

import (
	"slices"
	"strconv"
	"strings"
)

const (
	defaultOrigin   = "- 0 0 IN IP4 127.0.0.1"
	defaultName     = " " // RFC 4566 §5.3: "s= " when there is no meaningful name
	defaultConnAddr = "0.0.0.0"
	defaultControl  = "*"
	defaultType     = "video"
	defaultProto    = "RTP/AVP"
)

// lineSafe replaces CR and LF in values so that a field can never inject
// lines into the description.
var lineSafe = strings.NewReplacer("\r", " ", "\n", " ")

// Marshal returns the description as CRLF-terminated lines in the order
// real clients are known to accept (interop.md, "What servers must answer"):
//
//	v=0
//	o=<Origin>
//	s=<Name>
//	c=IN IP4 <ConnAddr>
//	t=0 0
//	a=control:<Control>
//	a=range:<Range>
//	a=<session Attributes...>
//	m=<Type> <Port> <Proto> <Formats...>     (per media)
//	a=rtpmap:<pt> <RTPMap[pt]>               (per format with an entry)
//	a=framerate:<Framerate>
//	a=control:<Control>
//	a=<media Attributes...>
//
// Empty fields take the defaults documented on Session and Media; CR and LF
// inside values are replaced by spaces.
func (s *Session) Marshal() []byte {
	var b strings.Builder
	line := func(prefix string, parts ...string) {
		b.WriteString(prefix)
		for _, p := range parts {
			b.WriteString(lineSafe.Replace(p))
		}
		b.WriteString("\r\n")
	}
	attr := func(a Attribute) {
		if a.Value == "" {
			line("a=", a.Key)
		} else {
			line("a=", a.Key, ":", a.Value)
		}
	}

	line("v=0")
	line("o=", or(s.Origin, defaultOrigin))
	line("s=", or(s.Name, defaultName))
	addr := or(s.ConnAddr, defaultConnAddr)
	if strings.Contains(addr, ":") {
		line("c=IN IP6 ", addr)
	} else {
		line("c=IN IP4 ", addr)
	}
	line("t=0 0")
	line("a=control:", or(s.Control, defaultControl))
	if s.Range != "" {
		line("a=range:", s.Range)
	}
	for _, a := range s.Attributes {
		attr(a)
	}
	for i := range s.Media {
		m := &s.Media[i]
		formats := m.Formats
		if len(formats) == 0 {
			for pt := range m.RTPMap {
				formats = append(formats, pt)
			}
			slices.Sort(formats)
		}
		var ml strings.Builder
		ml.WriteString(or(m.Type, defaultType))
		ml.WriteByte(' ')
		ml.WriteString(strconv.Itoa(m.Port))
		ml.WriteByte(' ')
		ml.WriteString(or(m.Proto, defaultProto))
		for _, f := range formats {
			ml.WriteByte(' ')
			ml.WriteString(strconv.Itoa(f))
		}
		line("m=", ml.String())
		for _, pt := range formats {
			if enc, ok := m.RTPMap[pt]; ok {
				line("a=rtpmap:", strconv.Itoa(pt), " ", enc)
			}
		}
		if m.Framerate > 0 {
			line("a=framerate:", strconv.FormatFloat(m.Framerate, 'f', -1, 64))
		}
		line("a=control:", or(m.Control, "stream="+strconv.Itoa(i)))
		for _, a := range m.Attributes {
			attr(a)
		}
	}
	return []byte(b.String())
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
