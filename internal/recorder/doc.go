// Package recorder writes a live path's frames to disk as a series of
// segment files, the way network video recorders do: raw concatenated
// baseline JPEG (".mjpeg", what `ffmpeg -f mjpeg` writes and what ffprobe
// reads as mjpeg / jpeg_pipe and mjpeg.Reader detects), one file per
// segment, named by the UTC time of its first frame
// (2026-12-04T17-30-00.250Z.mjpeg, see [SegmentName]).
//
// A segment being written has a temporary name in the same folder that the
// media scanner ignores (".2026-12-04T17-30-00.250Z.mjpeg.part": hidden and
// not a media extension). It is renamed to its final name when complete,
// after fsync, and its modification time is set to the arrival time of its
// last frame, so a segment's span is [name, mtime] without opening it.
// Crash safety: every frame goes to the file in one write, and a new
// [Writer] first recovers the temporary files a killed process left behind
// (truncated to their last complete frame, then renamed), so after SIGKILL
// every earlier segment is whole and the open one plays up to its last
// complete frame.
//
// A [Recorder] wraps a [Writer] with a bounded queue and its own goroutine,
// so the caller (the server's scheduler) never blocks on the disk: a full
// queue drops the frame, counted. Write errors (a full disk) are logged
// once, end the segment at its last complete frame and are retried at the
// next segment boundary; frames meanwhile are dropped and counted, so
// memory never grows.
//
// The package is internal: only the server records, and its file layout is
// the contract (documented in README), not a Go API promised to others.
package recorder
