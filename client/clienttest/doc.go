// Package clienttest provides peers for testing RTSP clients, the way
// net/http/httptest does for HTTP: a launcher for the GStreamer reference
// server (../shared/peers/gst_rtsp_server.py), a scriptable fake RTSP
// server (authentication, redirects, errors, silence), a fake Kurose-Ross
// lab server that enforces every requirement of lab-dialect.md, an RTSP
// proxy with a seeded lossy UDP relay (drop, reorder, duplicate, delay) that
// keeps its own ground truth (injected counts, reference jitter per
// RFC 3550 A.8, the receiver reports it saw), and helpers comparing
// recorded frames with source JPEGs by decoded pixels.
//
// It is imported only by tests (of packages client, server and
// cmd/rtpstream).
// Every goroutine it starts ends by the test's Cleanup.
package clienttest
