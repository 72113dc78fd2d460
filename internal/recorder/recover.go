package recorder

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rtpstream/rtpstream/mjpeg"
)

// ValidLength reads raw concatenated JPEG from r and returns the length of
// its longest prefix made of whole frames (each SOI through EOI, walked by
// marker segments with mjpeg.Reader, at most maxFrame bytes) and how many
// frames that is. Whatever follows (a torn last frame, garbage, a frame over
// the limit) is not counted. err is set only when reading r fails.
func ValidLength(r io.Reader, maxFrame int) (length int64, frames int, err error) {
	er := &errReader{r: r}
	rd, err := mjpeg.NewReader(er, mjpeg.ReaderOptions{MaxFrameBytes: maxFrame})
	if err != nil || rd.Format() != mjpeg.FormatRaw {
		return 0, 0, er.err
	}
	for {
		b, err := rd.Next()
		if err != nil {
			// io.EOF, a torn or bad frame: the valid prefix ends here.
			return length, frames, er.err
		}
		length = rd.Offset() + int64(len(b))
		frames++
	}
}

// errReader remembers the first error of r other than io.EOF, so that a
// failing disk is told apart from a torn frame.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

// recoverParts makes every temporary segment in the folder whole: cut at
// its last complete frame, completed under its final name with its
// modification time kept, or removed when it holds no complete frame.
// Each is logged; one that cannot be read is left for the next try.
func (w *Writer) recoverParts() {
	ents, err := os.ReadDir(w.opt.Dir)
	if err != nil {
		w.c.errors.Add(1)
		w.log.Warn("recording: cannot list the folder for leftover segments", "err", err)
		return
	}
	for _, e := range ents {
		final := finalOfPart(e.Name())
		if final == "" || !e.Type().IsRegular() {
			continue
		}
		if err := w.recoverPart(filepath.Join(w.opt.Dir, e.Name()), final); err != nil {
			w.c.errors.Add(1)
			w.log.Warn("recording: cannot recover a leftover segment", "file", e.Name(), "err", err)
		}
	}
}

// recoverPart recovers one temporary file (see recoverParts).
func (w *Writer) recoverPart(part, final string) error {
	f, err := os.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	n, frames, err := ValidLength(f, w.opt.MaxFrameBytes)
	if err != nil {
		f.Close()
		return fmt.Errorf("read: %w", err)
	}
	if n < st.Size() {
		if err := f.Truncate(n); err != nil {
			f.Close()
			return fmt.Errorf("truncate: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if frames == 0 {
		w.log.Info("recording: removed a leftover segment without a complete frame", "file", filepath.Base(part), "bytes", st.Size())
		return os.Remove(part)
	}
	dst := filepath.Join(w.opt.Dir, final)
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s exists", final)
	}
	if err := w.complete(part, dst, st.ModTime()); err != nil {
		return err
	}
	w.c.recovered.Add(1)
	w.log.Info("recording: recovered a leftover segment", "segment", final, "frames", frames, "bytes", n, "torn_tail_bytes", st.Size()-n)
	return nil
}
