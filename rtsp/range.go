package rtsp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Range is a Range header value in normal play time (RFC 2326 §12.29,
// §3.6): "npt=0.000-", "npt=now-", "npt=10-20", "npt=00:01:02.5-", or in
// absolute time (§3.7, what ONVIF recorders use to seek in recordings):
// "clock=20261204T173000Z-", "clock=20261204T173000.25Z-20261204T173100Z".
type Range struct {
	// Start is the start in seconds (0 when Now).
	Start float64
	// End is the end in seconds, valid when HasEnd.
	End    float64
	HasEnd bool
	// Now is the live start "npt=now-".
	Now bool
	// Clock marks an absolute range: ClockStart (and ClockEnd when
	// HasEnd), in UTC, instead of Start and End.
	Clock                bool
	ClockStart, ClockEnd time.Time
}

// ParseRange parses a Range header value. Only npt is supported: clock,
// smpte and the other SMPTE units give ErrUnsupportedRange. A ";time="
// parameter is ignored. "npt=-20" reads as 0 to 20.
func ParseRange(s string) (Range, error) {
	spec, _, _ := strings.Cut(s, ";")
	unit, val, ok := strings.Cut(trimOWS(spec), "=")
	unit = strings.ToLower(trimOWS(unit))
	if !ok {
		return Range{}, fmt.Errorf("%w: Range %q", ErrBadHeader, s)
	}
	if unit == "clock" {
		return parseClockRange(s, val)
	}
	if unit != "npt" {
		if strings.HasPrefix(unit, "smpte") {
			return Range{}, fmt.Errorf("%w: %q", ErrUnsupportedRange, unit)
		}
		return Range{}, fmt.Errorf("%w: Range unit %q", ErrBadHeader, unit)
	}
	from, to, ok := strings.Cut(val, "-")
	if !ok {
		return Range{}, fmt.Errorf("%w: Range %q", ErrBadHeader, s)
	}
	from, to = trimOWS(from), trimOWS(to)
	var r Range
	var err error
	switch {
	case strings.EqualFold(from, "now"):
		r.Now = true
	case from == "":
		if to == "" {
			return Range{}, fmt.Errorf("%w: Range %q", ErrBadHeader, s)
		}
	default:
		if r.Start, err = parseNPT(from); err != nil {
			return Range{}, err
		}
	}
	if to != "" {
		if r.End, err = parseNPT(to); err != nil {
			return Range{}, err
		}
		if r.End < r.Start {
			return Range{}, fmt.Errorf("%w: Range ends before it starts: %q", ErrBadHeader, s)
		}
		r.HasEnd = true
	}
	return r, nil
}

// parseNPT parses npt-sec ("12", "12.345") or npt-hhmmss ("1:02:03.5"),
// RFC 2326 §3.6.
func parseNPT(s string) (float64, error) {
	bad := func() (float64, error) { return 0, fmt.Errorf("%w: npt time %q", ErrBadHeader, s) }
	parts := strings.Split(s, ":")
	if len(parts) != 1 && len(parts) != 3 {
		return bad()
	}
	last := parts[len(parts)-1]
	intPart, frac, _ := strings.Cut(last, ".")
	if len(intPart) == 0 || len(intPart) > 12 || len(frac) > 12 {
		return bad()
	}
	for _, c := range []byte(intPart + frac) {
		if !isDigit(c) {
			return bad()
		}
	}
	sec, err := strconv.ParseFloat(intPart+"."+frac+"0", 64)
	if err != nil {
		return bad()
	}
	if len(parts) == 1 {
		return sec, nil
	}
	h, ok1 := parseDigits(parts[0], 6)
	m, ok2 := parseDigits(parts[1], 2)
	if !ok1 || !ok2 || len(parts[1]) != 2 || len(intPart) != 2 || m > 59 || sec >= 60 {
		return bad()
	}
	return float64(h)*3600 + float64(m)*60 + sec, nil
}

// parseClockRange parses the value of a clock range (RFC 2326 §3.7).
func parseClockRange(s, val string) (Range, error) {
	from, to, ok := strings.Cut(val, "-")
	if !ok {
		return Range{}, fmt.Errorf("%w: Range %q", ErrBadHeader, s)
	}
	r := Range{Clock: true}
	var err error
	if r.ClockStart, err = parseUTCTime(trimOWS(from)); err != nil {
		return Range{}, fmt.Errorf("%w: Range %q: %v", ErrBadHeader, s, err)
	}
	if to = trimOWS(to); to != "" {
		if r.ClockEnd, err = parseUTCTime(to); err != nil {
			return Range{}, fmt.Errorf("%w: Range %q: %v", ErrBadHeader, s, err)
		}
		if r.ClockEnd.Before(r.ClockStart) {
			return Range{}, fmt.Errorf("%w: Range ends before it starts: %q", ErrBadHeader, s)
		}
		r.HasEnd = true
	}
	return r, nil
}

// clockLayout is RFC 2326's utc-date "T" utc-time "Z" without a fraction.
const clockLayout = "20060102T150405"

// parseUTCTime parses "19961108T143720Z" or "19961108T143720.25Z".
func parseUTCTime(v string) (time.Time, error) {
	body, ok := strings.CutSuffix(v, "Z")
	whole, frac, hasFrac := strings.Cut(body, ".")
	if !ok || len(whole) != len(clockLayout) || hasFrac && (frac == "" || len(frac) > 9) {
		return time.Time{}, fmt.Errorf("utc-time %q is not YYYYMMDDTHHMMSS[.fraction]Z", v)
	}
	for _, c := range []byte(frac) {
		if !isDigit(c) {
			return time.Time{}, fmt.Errorf("utc-time %q: bad fraction", v)
		}
	}
	t, err := time.ParseInLocation(clockLayout, whole, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("utc-time %q: %v", v, err)
	}
	if hasFrac {
		ns, _ := strconv.Atoi((frac + "000000000")[:9])
		t = t.Add(time.Duration(ns))
	}
	return t, nil
}

// formatUTCTime formats t as RFC 2326 utc-time, with milliseconds when
// they are not zero.
func formatUTCTime(t time.Time) string {
	t = t.UTC()
	s := t.Format(clockLayout)
	if ms := t.Nanosecond() / 1e6; ms != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", ms), "0")
	}
	return s + "Z"
}

// String formats the range with millisecond precision: "npt=now-",
// "npt=1.500-", "npt=0.000-25.000" or "clock=20261204T173000.5Z-".
func (r Range) String() string {
	if r.Clock {
		s := "clock=" + formatUTCTime(r.ClockStart) + "-"
		if r.HasEnd {
			s += formatUTCTime(r.ClockEnd)
		}
		return s
	}
	b := make([]byte, 0, 32)
	b = append(b, "npt="...)
	if r.Now {
		b = append(b, "now"...)
	} else {
		b = strconv.AppendFloat(b, r.Start, 'f', 3, 64)
	}
	b = append(b, '-')
	if r.HasEnd {
		b = strconv.AppendFloat(b, r.End, 'f', 3, 64)
	}
	return string(b)
}
