// Package rtp encodes and decodes RTP data packets (RFC 3550 §5).
//
// The types follow the pion/rtp shape (MarshalSize, MarshalTo, Marshal,
// Unmarshal) but are built for a server that sends hundreds of thousands of
// packets per second: [Header.MarshalTo], [Header.Unmarshal],
// [Packet.MarshalTo], [Packet.Unmarshal] and [PutHeader] never allocate
// (Unmarshal only allocates when a packet carries more CSRCs than the
// destination's CSRC slice can hold). Decoded payloads and header extensions
// alias the input buffer; use [Packet.Clone] to keep a packet beyond the
// buffer's lifetime.
//
// Sequence numbers are 16-bit counters that wrap (RFC 3550 §5.1); compare
// them with [SeqDiff] and [SeqLess], never with < on raw values.
package rtp
