package udpbatch

// maxUnreachable bounds the destinations remembered between two calls of
// Conn.Unreachable; more distinct destinations in that time are dropped
// (they answer again, and are reported by a later call).
const maxUnreachable = 64
