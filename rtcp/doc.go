// Package rtcp encodes and decodes RTCP control packets (RFC 3550 §6) and
// keeps the receiver statistics they report (RFC 3550 Appendix A).
//
// The packet types the server and client exchange are typed: sender and
// receiver reports (SR, RR, §6.4), source descriptions (SDES, §6.5) and
// goodbyes (BYE, §6.6). Any other packet type (APP, XR, feedback, ...) is kept
// as a [Raw] packet rather than rejected, so a compound packet from a peer
// that sends extensions still decodes. [Unmarshal] splits and validates a
// compound packet (RFC 3550 §6.1, Appendix A.2: version, lengths, padding);
// [Marshal] and [AppendMarshal] build one.
//
// Unlike package rtp, decoded RTCP packets never alias the input buffer:
// RTCP is a few packets per second, so copying is cheap and safe.
//
// [ReceiverStats] implements the receiver side of RFC 3550 Appendix A.1
// (sequence number validation and the extended highest sequence), A.3
// (expected, lost, fraction lost) and A.8 (interarrival jitter), plus
// duplicate and reorder counters, and produces the [ReceptionReport] of a
// receiver report.
package rtcp
