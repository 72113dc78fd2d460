package mjpeg

import (
	"errors"
	"fmt"
	"io"
)

// span locates one frame's JPEG bytes in a frame file.
type span struct {
	Offset int64 // offset of the SOI marker
	Length int64 // bytes through EOI
}

// indexFile returns the format of the size-byte frame file r and the
// location of every frame, without keeping frames in memory. Lab files are
// indexed from their length headers alone; raw files are walked segment by
// segment. Errors are the same as [Reader.Next]'s. Tests use it as a second
// opinion on the reader (the server loads whole files with [Load]).
func indexFile(r io.ReaderAt, size int64, opt ReaderOptions) (Format, []span, error) {
	var head [DetectLen]byte
	n, err := r.ReadAt(head[:min(int64(len(head)), size)], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: empty input", ErrNoFrames)
	}
	f, err := Detect(head[:n])
	if err != nil {
		return 0, nil, err
	}
	if f == FormatLab {
		spans, err := indexLab(r, size, opt.maxFrame())
		return f, spans, err
	}
	rd, err := NewReader(io.NewSectionReader(r, 0, size), opt)
	if err != nil {
		return 0, nil, err
	}
	var spans []span
	for {
		b, err := rd.next()
		if err == io.EOF {
			return f, spans, nil
		}
		if err != nil {
			return f, spans, err
		}
		spans = append(spans, span{Offset: rd.Offset(), Length: int64(len(b))})
	}
}

// indexLab walks the length headers of a lab file.
func indexLab(r io.ReaderAt, size int64, maxFrame int) ([]span, error) {
	var spans []span
	var hdr [DetectLen]byte
	for off := int64(0); off < size; {
		fe := func(err error) error { return &FrameError{Frame: len(spans) + 1, Offset: off, Err: err} }
		want := min(int64(len(hdr)), size-off)
		if _, err := r.ReadAt(hdr[:want], off); err != nil && !errors.Is(err, io.EOF) {
			return spans, fmt.Errorf("read at offset %d: %w", off, err)
		}
		if want < labHeaderLen {
			return spans, fe(fmt.Errorf("%w: want a %d-byte length header, have %d bytes", ErrTruncated, labHeaderLen, want))
		}
		n := 0
		for _, c := range hdr[:labHeaderLen] {
			if c < '0' || c > '9' {
				return spans, fe(fmt.Errorf("%w: %q is not 5 decimal digits", ErrBadLength, hdr[:labHeaderLen]))
			}
			n = n*10 + int(c-'0')
		}
		switch {
		case n == 0:
			return spans, fe(fmt.Errorf("%w: length 0", ErrBadLength))
		case n > maxFrame:
			return spans, fe(fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, maxFrame))
		case off+labHeaderLen+int64(n) > size:
			return spans, fe(fmt.Errorf("%w: want %d bytes, have %d", ErrTruncated, n, size-off-labHeaderLen))
		case n < 2 || hdr[5] != 0xFF || hdr[6] != 0xD8:
			return spans, fe(fmt.Errorf("%w: %d-byte frame starts with % x, not SOI (FF D8)", ErrNotJPEG, n, hdr[labHeaderLen:min(int(want), labHeaderLen+n)]))
		}
		spans = append(spans, span{Offset: off + labHeaderLen, Length: int64(n)})
		off += labHeaderLen + int64(n)
	}
	return spans, nil
}
