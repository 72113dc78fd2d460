#!/usr/bin/env bash
# Smoke test of the desktop player (issue 4, acceptance 2 and 3): builds
# cmd/rtpplay (cgo) and cmd/rtpstream, starts Xvfb, and for each server
# (ours, GStreamer's reference server, the lab-dialect fake) runs `rtpplay --autoplay URL`, takes
# two PNG screenshots a second apart with ffmpeg's x11grab, and checks that
# the video area differs between them and that the statistics line reads
# about 30 fps and 0 % loss. Exits non-zero with a message on the first
# failure; always kills what it started.
#
# Needs: Go with cgo, the X11/GL headers (pkg-config libgl-dev libx11-dev
# libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev),
# xvfb, x11-utils (xwininfo), ffmpeg (x11grab); for the GStreamer part the
# peers of .ci/run.
#
# Environment: RTPPLAY / RTPSTREAM use prebuilt binaries instead of building;
# OUT keeps screenshots and logs there (default: a temp dir, removed);
# MEASURE=SECONDS also reports rtpplay's CPU use over that many seconds;
# SIZE=WxH plays a generated WxH 30 fps file from our server instead of /test.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "player-smoke: FAIL: $*" >&2; exit 1; }
say() { echo "player-smoke: $*" >&2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -z "${OUT:-}" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
out=${OUT:-$tmp}
mkdir -p "$out"

for tool in Xvfb xwininfo ffmpeg; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install xvfb x11-utils ffmpeg)"
done

rtpplay=${RTPPLAY:-}
if [ -z "$rtpplay" ]; then
  say "building cmd/rtpplay (cgo)"
  CGO_ENABLED=1 go build -o "$tmp/rtpplay" ./cmd/rtpplay || fail "cannot build cmd/rtpplay: cgo and the X11/GL headers are needed"
  rtpplay=$tmp/rtpplay
fi
rtpstream=${RTPSTREAM:-}
if [ -z "$rtpstream" ]; then
  say "building cmd/rtpstream"
  CGO_ENABLED=0 go build -o "$tmp/rtpstream" ./cmd/rtpstream
  rtpstream=$tmp/rtpstream
fi

# wait_line FILE REGEX SECONDS: prints the first matching line of FILE.
wait_line() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if grep -m1 -E "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Xvfb on a free display (-displayfd picks it).
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$tmp/display" >"$out/xvfb.log" 2>&1 &
pids+=($!)
disp=$(wait_line "$tmp/display" '^[0-9]+$' 10) || fail "Xvfb did not start: $(tail -3 "$out/xvfb.log")"
export DISPLAY=:$disp
say "Xvfb on $DISPLAY"

export XDG_CACHE_HOME=$tmp/cache LANG=C.UTF-8
mkdir -p "$XDG_CACHE_HOME"

passed=0

# check NAME MIN_FPS MAX_FPS RTPPLAY_ARGS...: plays with rtpplay --autoplay
# and checks screenshots and statistics.
check() {
  local name=$1 minfps=$2 maxfps=$3 log=$out/rtpplay-$1.log
  shift 3
  say "$name: rtpplay --autoplay $*"
  "$rtpplay" --autoplay --stats-stderr "$@" 2>"$log" &
  local pid=$!
  pids+=($pid)
  # Up to 20 s for the first full second of playing at >= MIN_FPS.
  local i line="" fps=0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || fail "$name: rtpplay exited: $(tail -5 "$log")"
    line=$(grep 'rtpplay: stats:' "$log" | tail -1 || true)
    fps=$(sed -nE 's/.*stats: ([0-9.]+) fps.*/\1/p' <<<"$line")
    if [ -n "$fps" ] && awk -v f="$fps" -v m="$minfps" 'BEGIN { exit !(f >= m) }'; then break; fi
    sleep 0.1
  done
  [ -n "$line" ] || fail "$name: no statistics line from rtpplay (log: $log): $(tail -5 "$log")"
  sleep 1 # a steady second
  line=$(grep 'rtpplay: stats:' "$log" | tail -1)
  say "$name: $line"
  fps=$(sed -nE 's/.*stats: ([0-9.]+) fps.*/\1/p' <<<"$line")
  local loss
  loss=$(sed -nE 's/.* ([0-9.]+) % loss.*/\1/p' <<<"$line")
  awk -v f="$fps" -v a="$minfps" -v b="$maxfps" 'BEGIN { exit !(f >= a && f <= b) }' || fail "$name: $fps fps, want $minfps-$maxfps: $line"
  [ "$loss" = "0.0" ] || fail "$name: $loss % loss, want 0: $line"

  # The window, and the video area inside it.
  local geo wx wy ww wh
  geo=$(xwininfo -name rtpplay) || fail "$name: no rtpplay window"
  wx=$(sed -nE 's/.*Absolute upper-left X: +([0-9]+).*/\1/p' <<<"$geo")
  wy=$(sed -nE 's/.*Absolute upper-left Y: +([0-9]+).*/\1/p' <<<"$geo")
  ww=$(sed -nE 's/.*Width: +([0-9]+).*/\1/p' <<<"$geo")
  wh=$(sed -nE 's/.*Height: +([0-9]+).*/\1/p' <<<"$geo")
  local v vx vy vw vh
  v=$(grep 'rtpplay: video ' "$log" | tail -1) || fail "$name: rtpplay did not report its video area"
  read -r vx vy vw vh < <(sed -nE 's/.*video ([0-9]+),([0-9]+) ([0-9]+)x([0-9]+).*/\1 \2 \3 \4/p' <<<"$v")
  local k
  for k in 1 2; do
    ffmpeg -loglevel error -y -f x11grab -video_size "${ww}x${wh}" -i "$DISPLAY+$wx,$wy" -frames:v 1 "$out/$name-$k.png" ||
      fail "$name: screenshot failed"
    ffmpeg -loglevel error -i "$out/$name-$k.png" -vf "crop=$vw:$vh:$vx:$vy" -f rawvideo -pix_fmt rgb24 - | md5sum >"$tmp/$name-$k.sum"
    [ "$k" = 2 ] || sleep 1
  done
  if cmp -s "$tmp/$name-1.sum" "$tmp/$name-2.sum"; then
    fail "$name: the video area is the same in two screenshots a second apart ($out/$name-1.png)"
  fi
  say "$name: ok: video moves, $fps fps, $loss % loss (screenshots $out/$name-[12].png)"
  passed=$((passed + 1))

  if [ -n "${MEASURE:-}" ]; then
    local hz t0 t1 st0 st1
    hz=$(getconf CLK_TCK)
    st0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat"); t0=$(date +%s.%N)
    sleep "$MEASURE"
    st1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat"); t1=$(date +%s.%N)
    awk -v a="$st0" -v b="$st1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v n="$name" \
      'BEGIN { printf "player-smoke: %s: rtpplay CPU %.1f %% of one core over %.1f s\n", n, 100 * (b - a) / hz / (t1 - t0), t1 - t0 }' >&2
    grep 'rtpplay: stats:' "$log" | tail -"${MEASURE%.*}" | sed "s/^/player-smoke: $name: /" >&2
  fi
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

# 1. Our server: the /test pattern (640x480, 30 fps), or a generated SIZE file.
serve_args=(serve --listen 127.0.0.1:0)
stream=/test
if [ -n "${SIZE:-}" ]; then
  mkdir -p "$tmp/media"
  "$rtpstream" gen -o "$tmp/media/gen.mjpeg" --size "$SIZE" --fps 30 --frames 150 --format raw || fail "rtpstream gen failed"
  serve_args+=(--media "$tmp/media" --fps 30)
  stream=/gen.mjpeg
fi
"$rtpstream" "${serve_args[@]}" >"$out/serve.out" 2>"$out/serve.log" &
pids+=($!)
url=$(wait_line "$out/serve.out" "^stream rtsp://.*$stream\$" 30 | awk '{ print $2 }') ||
  fail "rtpstream serve printed no stream line: $(tail -5 "$out/serve.log")"
check rtpstream 25 35 "$url"

# 2. GStreamer's reference server (a moving ball, 640x480 at 30 fps).
gst=${RTPSTREAM_SHARED:-../shared}/peers/gst_rtsp_server.py
if [ -n "${SIZE:-}" ]; then
  :
elif [ -x /usr/bin/python3 ] && [ -f "$gst" ] && /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null; then
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  /usr/bin/python3 "$gst" --port "$port" --pattern ball >"$out/gst.out" 2>"$out/gst.log" &
  pids+=($!)
  url=$(wait_line "$out/gst.out" '^READY rtsp://' 30 | awk '{ print $2 }') || fail "GStreamer server not ready: $(tail -5 "$out/gst.log")"
  check gstreamer 25 35 "$url"
elif [ "${RTPSTREAM_REQUIRE_PEERS:-}" = 1 ] && [ ! -f "$gst" ]; then
  fail "no $gst (set RTPSTREAM_SHARED to the shared folder)"
elif [ "${RTPSTREAM_REQUIRE_PEERS:-}" = 1 ]; then
  fail "GStreamer's RTSP server is not installed (python3-gi, gir1.2-gst-rtsp-server-1.0)"
else
  say "skipping the GStreamer server: /usr/bin/python3 with GstRtspServer not found"
fi

# 3. The lab-dialect fake of the client tests (client/clienttest.LabServer
# run as internal/labfake): every rule of lab-dialect.md enforced, a frame
# every 50 ms (20 fps); rtpplay gets the lab's ClientLauncher arguments.
if [ -z "${SIZE:-}" ]; then
  CGO_ENABLED=0 go build -o "$tmp/labfake" ./internal/labfake || fail "cannot build internal/labfake"
  "$tmp/labfake" >"$out/labfake.out" 2>"$out/labfake.log" &
  labpid=$!
  pids+=($labpid)
  url=$(wait_line "$out/labfake.out" '^READY rtsp://' 30 | awk '{ print $2 }') || fail "lab fake not ready: $(tail -5 "$out/labfake.log")"
  hostport=${url#rtsp://}; hostport=${hostport%%/*}
  labport=$(/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  check lab 16 24 --lab "${hostport%:*}" "${hostport##*:}" "$labport" "${url##*/}"
  kill -TERM "$labpid"
  wait "$labpid" || fail "lab fake: the player broke lab-dialect rules: $(tail -5 "$out/labfake.log")"
  say "lab: the player kept every lab-dialect rule ($(tail -1 "$out/labfake.log"))"
fi
say "all ok"
# The plain closing line CI reads (every failure above exits at once).
echo "player-smoke: $passed passed, 0 failed"
