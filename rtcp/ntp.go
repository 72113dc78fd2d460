package rtcp

import "time"

// ntpEpochOffset is the number of seconds from the NTP epoch (1900-01-01 UTC)
// to the Unix epoch (1970-01-01 UTC).
const ntpEpochOffset = 2208988800

// NTPTime converts t to a 64-bit NTP timestamp (RFC 3550 §4: seconds since
// 1900 in the high 32 bits, binary fraction in the low 32 bits), as carried
// in a sender report. The fraction is rounded to the nearest 2^-32 s. Dates
// from 2036-02-07 on wrap into NTP era 1, as on the wire.
func NTPTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond())<<32 + 500_000_000) / 1_000_000_000
	return secs<<32 | frac // frac < 1<<32: 999999999 ns rounds to 0xfffffffc
}

// NTPToTime converts a 64-bit NTP timestamp to a time.Time (UTC), rounding
// the fraction to the nearest nanosecond. Following RFC 4330 §3, seconds
// values with the top bit clear are taken to be in era 1 (2036-2104), so
// timestamps from 1968 to 2104 convert correctly.
func NTPToTime(ntp uint64) time.Time {
	secs := int64(ntp >> 32)
	if secs&0x80000000 == 0 {
		secs += 1 << 32
	}
	nanos := int64((ntp&0xffffffff*1_000_000_000 + 1<<31) >> 32)
	return time.Unix(secs-ntpEpochOffset, nanos).UTC()
}

// MiddleNTP returns the middle 32 bits of a 64-bit NTP timestamp (16 bits of
// seconds, 16 bits of fraction): the compact form used by the LSR field of a
// reception report and for round-trip computation (RFC 3550 §6.4.1).
func MiddleNTP(ntp uint64) uint32 {
	return uint32(ntp >> 16)
}
