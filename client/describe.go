package client

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rtpstream/rtpstream/rtpjpeg"
	"github.com/rtpstream/rtpstream/rtsp"
	"github.com/rtpstream/rtpstream/sdp"
)

// Description is what OPTIONS and DESCRIBE told about a stream
// (RFC 2326 §10.1, §10.2, Appendix C).
type Description struct {
	// URL is the URL described (after redirects), without user info.
	URL string
	// ContentBase is the base for relative control URLs: the Content-Base
	// header, else Content-Location, else URL (RFC 2326 §C.1.1).
	ContentBase string
	// Public lists the methods from the OPTIONS answer.
	Public []string
	// Server is the Server header, if any.
	Server string
	// SDP is the session description as received.
	SDP []byte
	// Session is the parsed description; Media is the stream we play
	// (an element of Session.Media).
	Session *sdp.Session
	Media   *sdp.Media
	// PayloadType, Encoding and ClockRate come from m= and a=rtpmap
	// (PT 26 is JPEG/90000 without rtpmap, RFC 3551 §6).
	PayloadType int
	Encoding    string
	ClockRate   int
	// Framerate is a=framerate, 0 when absent.
	Framerate float64
	// Range is a=range (e.g. "npt=0-25.000", "npt=now-"), "" when absent.
	Range string
	// Control is the media's control URL: the SETUP target.
	Control string
	// AggregateControl is the session's control URL: the PLAY, PAUSE and
	// TEARDOWN target.
	AggregateControl string
}

// Summary is a one-line description, e.g.
// "video JPEG/90000 pt=26 framerate=30 range=npt=0-25.000 control=rtsp://h/x/stream=0".
func (d *Description) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%d pt=%d", d.Media.Type, d.Encoding, d.ClockRate, d.PayloadType)
	if d.Framerate > 0 {
		fmt.Fprintf(&b, " framerate=%s", strconv.FormatFloat(d.Framerate, 'f', -1, 64))
	}
	if d.Range != "" {
		fmt.Fprintf(&b, " range=%s", d.Range)
	}
	fmt.Fprintf(&b, " control=%s", d.Control)
	if d.AggregateControl != d.Control {
		fmt.Fprintf(&b, " aggregate=%s", d.AggregateControl)
	}
	return b.String()
}

// parseDescription reads a DESCRIBE answer to a request for reqURL.
func parseDescription(reqURL string, resp *rtsp.Response) (*Description, error) {
	d := &Description{URL: reqURL, SDP: resp.Body, Server: resp.Header.Get("Server")}
	d.ContentBase = strings.TrimSpace(resp.Header.Get("Content-Base"))
	if d.ContentBase == "" {
		d.ContentBase = strings.TrimSpace(resp.Header.Get("Content-Location"))
	}
	if d.ContentBase == "" {
		d.ContentBase = reqURL
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/sdp") {
		return nil, fmt.Errorf("%w: DESCRIBE answered Content-Type %q, not application/sdp", ErrProtocol, ct)
	}
	sess, err := sdp.Unmarshal(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: DESCRIBE: %w", ErrProtocol, err)
	}
	d.Session = sess
	if err := d.pickMedia(); err != nil {
		return nil, err
	}
	d.Range = sess.Range
	if v, ok := d.Media.Attribute("range"); ok {
		d.Range = v
	}
	d.AggregateControl, err = sdp.ResolveControl(d.ContentBase, sess.Control)
	if err != nil {
		return nil, fmt.Errorf("%w: session control %q: %w", ErrProtocol, sess.Control, err)
	}
	if d.Media.Control == "" {
		d.Control = d.AggregateControl
	} else if d.Control, err = sdp.ResolveControl(d.ContentBase, d.Media.Control); err != nil {
		return nil, fmt.Errorf("%w: media control %q: %w", ErrProtocol, d.Media.Control, err)
	}
	return d, nil
}

// pickMedia chooses the first video stream whose format is JPEG (RFC 2435):
// payload type 26, or a dynamic type mapped to JPEG by a=rtpmap.
func (d *Description) pickMedia() error {
	for i := range d.Session.Media {
		m := &d.Session.Media[i]
		if !strings.EqualFold(m.Type, "video") {
			continue
		}
		for _, pt := range m.Formats {
			enc, rate := "", 0
			if v, ok := m.RTPMap[pt]; ok {
				name, r, _ := strings.Cut(v, "/")
				rest, _, _ := strings.Cut(r, "/")
				enc = name
				rate, _ = strconv.Atoi(rest)
			} else if pt == rtpjpeg.PayloadType {
				enc, rate = "JPEG", rtpjpeg.ClockRate
			}
			if !strings.EqualFold(enc, "JPEG") {
				continue
			}
			if rate <= 0 {
				rate = rtpjpeg.ClockRate
			}
			d.Media, d.PayloadType, d.Encoding, d.ClockRate = m, pt, "JPEG", rate
			d.Framerate = m.Framerate
			return nil
		}
	}
	return fmt.Errorf("%w (%d media)", ErrNoJPEGStream, len(d.Session.Media))
}
