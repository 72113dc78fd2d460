package server

import (
	"errors"
	"fmt"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// carriable returns jpeg in a form RFC 2435 can carry: as it is when it
// can, else converted with the same converter as files (mjpeg).
func carriable(jpeg []byte) ([]byte, error) {
	info, err := jpeghdr.Parse(jpeg)
	if err != nil {
		return nil, fmt.Errorf("not a JPEG: %w", err)
	}
	if _, err := info.RFC2435(); err == nil {
		return jpeg, nil
	} else if nc := (*jpeghdr.NotCarriableError)(nil); !errors.As(err, &nc) {
		return nil, err
	}
	return mjpeg.Transcode(jpeg, 0, true)
}
