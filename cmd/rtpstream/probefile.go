package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rtpstream/rtpstream/jpeghdr"
	"github.com/rtpstream/rtpstream/mjpeg"
)

// labRecvSize is the lab client's recv() buffer: larger frames arrive
// truncated (lab-dialect.md).
const labRecvSize = 20480

// probeFile implements `rtpstream probe FILE` for frame files and JPEG
// directories (cli.md): it reads every frame (streamed, one in memory) and
// prints format, frame count, resolution, chroma subsampling, frame size
// statistics and whether RFC 2435 can carry the frames unchanged, and why
// not. probe.go calls it for arguments that are not URLs.
func probeFile(ctx context.Context, path string, stdout io.Writer) error {
	r, err := mjpeg.Open(path, mjpeg.ReaderOptions{})
	if err != nil {
		return err
	}
	defer r.Close()
	var (
		n, minSize, maxSize, overLab int
		total                        int64
		sizes                        = map[[2]int]int{}
		firstSize                    [2]int
		chroma                       = map[string]int{}
		reasons                      = map[string]int{}
		types                        = map[uint8]int{}
	)
	n, err = eachFrame(ctx, r, path, func(fr []byte, info *jpeghdr.Info) error {
		sz := [2]int{info.Width, info.Height}
		if len(sizes) == 0 {
			firstSize, minSize, maxSize = sz, len(fr), len(fr)
		}
		sizes[sz]++
		chroma[mjpeg.Subsampling(info)]++
		total += int64(len(fr))
		minSize, maxSize = min(minSize, len(fr)), max(maxSize, len(fr))
		if len(fr) > labRecvSize {
			overLab++
		}
		if typ, reason := carriableReason(info); reason != "" {
			reasons[reason]++
		} else {
			types[typ]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", path, mjpeg.ErrNoFrames)
	}
	res := fmt.Sprintf("%dx%d", firstSize[0], firstSize[1])
	if len(sizes) > 1 {
		res += fmt.Sprintf(" in %d frames; %d sizes in all: %s", sizes[firstSize], len(sizes), sizeList(sizes))
	}
	fmt.Fprintf(stdout, "file:       %s\n", filepath.Base(path))
	fmt.Fprintf(stdout, "format:     %s\n", r.Format())
	fmt.Fprintf(stdout, "frames:     %d\n", n)
	fmt.Fprintf(stdout, "resolution: %s\n", res)
	fmt.Fprintf(stdout, "chroma:     %s\n", countList(chroma, n))
	fmt.Fprintf(stdout, "frame size: min %d avg %d max %d bytes (total %s)\n", minSize, total/int64(n), maxSize, humanBytes(total))
	if len(reasons) == 0 {
		fmt.Fprintf(stdout, "rfc2435:    yes, every frame unchanged (%s)\n", typeList(types, n))
	} else {
		nc := 0
		for _, c := range reasons {
			nc += c
		}
		fmt.Fprintf(stdout, "rfc2435:    no, %d of %d frames not carriable: %s (the server re-encodes them at load; rtpstream convert --rfc2435 does it once)\n",
			nc, n, countList(reasons, nc))
	}
	if overLab > 0 {
		fmt.Fprintf(stdout, "lab client: %d frames larger than %d bytes arrive truncated (its recv(%d))\n", overLab, labRecvSize, labRecvSize)
	}
	return nil
}

// countList renders counts as "4:4:4" when one key covers all n, else
// "4:2:0 (498 frames), 4:4:4 (2 frames)", most frequent first.
func countList(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 1 && m[keys[0]] == n {
		return keys[0]
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d frames)", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// typeList names the RFC 2435 types (§3.1.3, §4.1) the frames use.
func typeList(m map[uint8]int, n int) string {
	names := map[string]int{}
	for t, c := range m {
		name := fmt.Sprintf("type %d", t)
		switch t {
		case 0:
			name += ", 4:2:2"
		case 1:
			name += ", 4:2:0"
		case 64:
			name += ", 4:2:2 with restart markers"
		case 65:
			name += ", 4:2:0 with restart markers"
		}
		names[name] += c
	}
	return countList(names, n)
}

// sizeList renders frame sizes, most frequent first, at most five.
func sizeList(m map[[2]int]int) string {
	keys := make([][2]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i][0]*4096+keys[i][1] < keys[j][0]*4096+keys[j][1]
	})
	var parts []string
	for i, k := range keys {
		if i == 5 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprintf("%dx%d (%d)", k[0], k[1], m[k]))
	}
	return strings.Join(parts, ", ")
}
