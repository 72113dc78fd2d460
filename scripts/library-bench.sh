#!/usr/bin/env bash
# Media library at scale (issue 12): builds a library of FILES raw MJPEG
# files of SIZE_MIB each (default 20 x 512 MiB = 10 GiB) in a scratch
# folder, starts `rtpstream serve` on it and reports
#   - the time from exec to the first `stream` line,
#   - the first DESCRIBE of each file (its index: one pass, then cached),
#   - server RSS with CLIENTS sessions (default 100) spread over the files,
#     playing for DUR seconds (default 20), from `rtpstream bench`'s
#     server_rss figures read from /proc.
# Usage: scripts/library-bench.sh [scratch dir]   (needs ~SIZE_MIB*FILES of disk)
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-20} SIZE_MIB=${SIZE_MIB:-512} CLIENTS=${CLIENTS:-100} DUR=${DUR:-20}  # SERVE_FLAGS: more serve flags
work=${1:-$(mktemp -d)}
mkdir -p "$work/media" "$work/cache"
bin="$work/rtpstream"
CGO_ENABLED=0 go build -o "$bin" ./cmd/rtpstream

# One 640x480 clip, repeated to SIZE_MIB per file (each file its own data).
if [ ! -f "$work/media/f$((FILES-1)).mjpeg" ]; then
  "$bin" gen -o "$work/clip.mjpeg" --frames 300 --format raw >/dev/null
  clip=$(stat -c %s "$work/clip.mjpeg")
  reps=$(( SIZE_MIB * 1048576 / clip + 1 ))
  for i in $(seq 0 $((FILES-1))); do
    for _ in $(seq "$reps"); do cat "$work/clip.mjpeg"; done > "$work/media/f$i.mjpeg"
  done
fi
du -sh "$work/media"

port=$(( 20000 + RANDOM % 20000 ))
start=$(date +%s%N)
"$bin" serve --listen 127.0.0.1:$port --http off --media "$work/media" --cache-dir "$work/cache" ${SERVE_FLAGS:-} >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q '^stream' "$work/serve.out" 2>/dev/null; do sleep 0.005; done
echo "first stream line after $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo "RSS after start: $(awk '/VmRSS/{print $2" "$3}' /proc/$pid/status)"

for i in $(seq 0 $((FILES-1))); do
  t=$(date +%s%N)
  "$bin" probe "rtsp://127.0.0.1:$port/f$i.mjpeg" >/dev/null 2>&1 || true
  echo "f$i first probe (index on first use): $(( ($(date +%s%N) - t) / 1000000 )) ms"
done | sort -t: -k2 -n | tail -3

per=$(( CLIENTS / FILES ))
for i in $(seq 0 $((FILES-1))); do
  "$bin" bench --url "rtsp://127.0.0.1:$port/f$i.mjpeg" --clients "$per" --duration "${DUR}s" --transport tcp \
    --server-pid "$pid" >"$work/bench.$i.json" 2>/dev/null &
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
echo "RSS with $CLIENTS sessions over $FILES files: $(awk '/VmRSS/{print $2" "$3}' /proc/$pid/status), peak $(awk '/VmHWM/{print $2" "$3}' /proc/$pid/status)"
cat "$work/bench.0.json"
