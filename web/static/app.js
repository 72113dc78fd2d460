// rtpstream status page: polls api/status every second and updates the
// page in place. Every string from the API is put into the page as text
// (textContent, input.value, URL-encoded attributes), never as HTML: paths
// are whatever a publisher chose.
"use strict";

(function () {
  const POLL_MS = 1000;
  const FETCH_TIMEOUT_MS = 5000;
  const STILL_MS = 5000;
  // Browsers open at most 6 HTTP/1.1 connections per host and every live
  // MJPEG preview holds one for as long as it plays: at most MAX_LIVE play
  // at once (the visible ones first), leaving room for api/status.
  const MAX_LIVE = 4;
  const MODE_KEY = "rtpstream.previews";

  const main = document.getElementById("streams");
  const tpl = document.getElementById("stream-tpl");
  const conn = document.getElementById("conn");
  const modeSel = document.getElementById("preview-mode");

  // path -> view (see makeView); prev: the previous poll, for rates.
  const views = new Map();
  let prev = null;
  let mode = readMode();
  let stillTick = 0;

  function readMode() {
    let m = "live";
    try {
      m = localStorage.getItem(MODE_KEY) || "live";
    } catch (e) {
      // Storage may be disabled; the default is fine.
    }
    return ["live", "still", "off"].includes(m) ? m : "live";
  }

  modeSel.value = mode;
  modeSel.addEventListener("change", function () {
    mode = modeSel.value;
    try {
      localStorage.setItem(MODE_KEY, mode);
    } catch (e) {
      // Not remembered; still applied.
    }
    assignPreviews();
  });

  // encodePath percent-encodes each segment of a stream path for a URL.
  function encodePath(p) {
    return String(p).split("/").map(encodeURIComponent).join("/");
  }

  // The URLs to copy come from the API (the server knows its public
  // addresses); previews use paths on this page's own origin.
  function httpURL(s) {
    if (typeof s.mjpeg_url === "string" && s.mjpeg_url) return s.mjpeg_url;
    return location.origin + encodePath(s.path) + "/stream.mjpeg";
  }

  function rtspURL(s) {
    return typeof s.rtsp_url === "string" ? s.rtsp_url : "";
  }

  // setText changes an element's text only when it differs (no churn for
  // screen readers and selections).
  function setText(el, v) {
    const t = v === undefined || v === null ? "" : String(v);
    if (el.textContent !== t) el.textContent = t;
  }

  function num(v) {
    return typeof v === "number" && isFinite(v) ? v : 0;
  }

  function fmtInt(v) {
    return num(v).toLocaleString("en-US");
  }

  function fmtDur(sec) {
    sec = Math.max(0, Math.floor(sec));
    const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24;
    const m = Math.floor(sec / 60) % 60, s = sec % 60;
    const two = (x) => String(x).padStart(2, "0");
    if (d > 0) return d + "d " + two(h) + "h";
    if (h > 0) return h + ":" + two(m) + ":" + two(s);
    return m + ":" + two(s);
  }

  function ms(t) {
    const v = Date.parse(t);
    return isNaN(v) ? 0 : v;
  }

  // readerKey identifies a reader across polls.
  function readerKey(r) {
    return String(r.remote) + "|" + String(r.transport) + "|" + String(r.since);
  }

  // A preview plays only where frames can come without side effects: an
  // idle on-demand relay would be started by it, a publish path without a
  // publisher has nothing to show.
  function playable(s) {
    return s.state !== "idle" && s.state !== "waiting" && s.state !== "connecting";
  }

  function makeView(s) {
    const el = tpl.content.firstElementChild.cloneNode(true);
    const q = (sel) => el.querySelector(sel);
    const v = {
      el: el,
      path: s.path,
      img: q("img.pv"),
      note: q(".pv-note"),
      kind: q(".kind"),
      state: q(".state"),
      source: q(".source"),
      format: q(".format"),
      frames: q(".frames"),
      dropped: q(".dropped"),
      reconnects: q(".reconnects"),
      urls: q(".urls"),
      caption: q("caption"),
      tbody: q("tbody"),
      rows: new Map(),
      // want: what the preview should show ("live", "still", "off");
      // playable: whether the stream has frames to show; visible: on screen.
      want: "",
      playable: false,
      visible: !observer,
      retryAt: 0,
      generation: 0,
      urlInputs: {},
    };
    el.dataset.path = s.path;
    setText(q(".path"), s.path);
    v.img.alt = "Preview of " + s.path;
    v.img.addEventListener("error", function () {
      if (v.want === "live" || v.want === "still") {
        v.want = "error";
        v.retryAt = Date.now() + 3000;
      }
    });
    v.img.addEventListener("load", function () {
      if (v.want === "live") setText(v.note, "live");
    });
    for (const kind of ["rtsp", "http"]) {
      const row = document.createElement("div");
      row.className = "url";
      const id = "u-" + kind + "-" + Math.random().toString(36).slice(2);
      const label = document.createElement("label");
      label.htmlFor = id;
      setText(label, kind === "rtsp" ? "RTSP" : "HTTP");
      const input = document.createElement("input");
      input.id = id;
      input.type = "text";
      input.readOnly = true;
      input.spellcheck = false;
      input.addEventListener("focus", () => input.select());
      const btn = document.createElement("button");
      btn.type = "button";
      setText(btn, "Copy");
      btn.setAttribute("aria-label", "Copy the " + kind.toUpperCase() + " URL of " + s.path);
      btn.addEventListener("click", () => copy(input, btn));
      row.append(label, input, btn);
      v.urls.append(row);
      v.urlInputs[kind] = { row: row, input: input };
    }
    if (observer) observer.observe(v.img);
    return v;
  }

  function copy(input, btn) {
    const done = (ok) => {
      setText(btn, ok ? "Copied" : "Select and copy");
      setTimeout(() => setText(btn, "Copy"), 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(() => done(true), () => done(false));
      return;
    }
    input.focus();
    input.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    done(ok);
  }

  function updateView(v, s, prevStream, dt) {
    setText(v.kind, s.kind || "?");
    setText(v.state, s.state || "?");
    v.state.dataset.state = String(s.state || "");
    setText(v.source, s.source || (s.kind === "file" ? "file" : s.kind === "pattern" ? "built-in test pattern" : "–"));
    const fmt = s.width && s.height ? s.width + "×" + s.height + (s.fps ? " @ " + s.fps + " fps" : "") : "MJPEG";
    setText(v.format, fmt);
    setText(v.frames, fmtInt(s.frames));
    setText(v.dropped, fmtInt(s.dropped));
    setText(v.reconnects, fmtInt(s.reconnects));
    const live = s.kind !== "file" && s.kind !== "pattern";
    v.frames.parentElement.hidden = !live;
    v.dropped.parentElement.hidden = !live;
    v.reconnects.parentElement.hidden = !(s.kind === "rtsp" || s.kind === "http");

    const rtsp = rtspURL(s);
    v.urlInputs.rtsp.row.hidden = !rtsp;
    if (v.urlInputs.rtsp.input.value !== rtsp) v.urlInputs.rtsp.input.value = rtsp;
    const http = httpURL(s);
    if (v.urlInputs.http.input.value !== http) v.urlInputs.http.input.value = http;

    const wasPlayable = v.playable;
    v.playable = playable(s);
    if (v.playable !== wasPlayable) v.want = "";

    updateReaders(v, s, prevStream, dt);
  }

  function updateReaders(v, s, prevStream, dt) {
    const readers = Array.isArray(s.readers) ? s.readers : [];
    const before = new Map();
    if (prevStream && Array.isArray(prevStream.readers)) {
      for (const r of prevStream.readers) before.set(readerKey(r), r);
    }
    setText(v.caption, readers.length === 0 ? "No readers of " + s.path
      : readers.length + (readers.length === 1 ? " reader of " : " readers of ") + s.path);
    const seen = new Set();
    let i = 0;
    for (const r of readers) {
      const key = readerKey(r);
      seen.add(key);
      let row = v.rows.get(key);
      if (!row) {
        row = makeRow();
        v.rows.set(key, row);
      }
      fillRow(row, r, before.get(key), dt, s.fps);
      // Keep the API's order (by arrival) without moving rows needlessly.
      if (v.tbody.children[i] !== row.tr) v.tbody.insertBefore(row.tr, v.tbody.children[i] || null);
      i++;
    }
    for (const [key, row] of v.rows) {
      if (!seen.has(key)) {
        row.tr.remove();
        v.rows.delete(key);
      }
    }
    v.tbody.parentElement.classList.toggle("empty", readers.length === 0);
  }

  const COLS = ["remote", "transport", "state", "for", "fps", "kbps", "loss", "jitter", "late", "skipped"];

  function makeRow() {
    const tr = document.createElement("tr");
    const cells = {};
    COLS.forEach((c, idx) => {
      const td = document.createElement(idx === 0 ? "th" : "td");
      if (idx === 0) td.scope = "row";
      td.className = c;
      if (idx >= 4) td.classList.add("num");
      tr.append(td);
      cells[c] = td;
    });
    return { tr: tr, cells: cells };
  }

  function fillRow(row, r, old, dt, streamFPS) {
    const c = row.cells;
    setText(c.remote, r.remote);
    setText(c.transport, r.transport);
    row.tr.dataset.transport = String(r.transport || "");
    setText(c.state, r.state);
    setText(c.for, prev ? fmtDur((ms(lastTime) - ms(r.since)) / 1000) : "");
    let fps = "–", kbps = "–";
    if (old && dt > 0) {
      const df = num(r.frames) - num(old.frames);
      if (num(r.frames) > 0 || r.transport === "http") fps = (Math.max(0, df) / dt).toFixed(1);
      kbps = (Math.max(0, num(r.bytes) - num(old.bytes)) * 8 / 1000 / dt).toFixed(0);
    }
    setText(c.fps, fps);
    c.fps.title = fps === "–" && old ? "frames are counted for HTTP viewers only" : "";
    setText(c.kbps, kbps);
    setText(c.loss, r.have_rr ? (num(r.loss) * 100).toFixed(1) + " %" : "–");
    setText(c.jitter, r.have_rr ? num(r.jitter_ms).toFixed(1) + " ms" : "–");
    setText(c.late, fmtInt(r.late_frames));
    setText(c.skipped, fmtInt(r.skipped_frames));
  }

  let lastTime = "";

  function render(st) {
    const dt = prev ? (ms(st.time) - ms(prev.time)) / 1000 : 0;
    lastTime = st.time;
    const prevByPath = new Map();
    if (prev && Array.isArray(prev.streams)) {
      for (const s of prev.streams) prevByPath.set(s.path, s);
    }
    const streams = Array.isArray(st.streams) ? st.streams : [];
    const seen = new Set();
    let nreaders = 0;
    let i = 0;
    for (const s of streams) {
      if (!s || typeof s.path !== "string") continue;
      seen.add(s.path);
      let v = views.get(s.path);
      if (!v) {
        v = makeView(s);
        views.set(s.path, v);
      }
      if (main.children[i] !== v.el) main.insertBefore(v.el, main.children[i] || null);
      i++;
      updateView(v, s, prevByPath.get(s.path), dt);
      nreaders += Array.isArray(s.readers) ? s.readers.length : 0;
    }
    for (const [path, v] of views) {
      if (!seen.has(path)) {
        if (observer) observer.unobserve(v.img);
        v.img.removeAttribute("src");
        v.el.remove();
        views.delete(path);
      }
    }
    setText(document.getElementById("uptime"), fmtDur((ms(st.time) - ms(st.started)) / 1000));
    setText(document.getElementById("nstreams"), fmtInt(seen.size));
    setText(document.getElementById("nreaders"), fmtInt(nreaders));
    setText(document.getElementById("authfail"), fmtInt(st.auth_failures));
    setText(document.getElementById("refused"), fmtInt(st.refused));
    setText(document.getElementById("udperr"), fmtInt(st.udp_send_errors));
    prev = st;
    assignPreviews();
  }

  // assignPreviews decides each preview: live for the first MAX_LIVE
  // visible playable streams, a still snapshot for the other visible ones,
  // nothing for those off screen. It touches an <img> only when its role
  // changes, so a playing preview keeps its one MJPEG connection.
  function assignPreviews() {
    let live = 0;
    const refreshStill = stillTick === 0;
    for (const v of views.values()) {
      let want = "off";
      let note = "preview off";
      if (!v.playable) {
        note = "no frames to preview (" + (v.state.textContent || "?") + ")";
      } else if (!v.visible) {
        note = "";
      } else if (mode === "live" && live < MAX_LIVE) {
        want = "live";
        live++;
        note = "live";
      } else if (mode !== "off") {
        want = "still";
        note = mode === "live" ? "still (at most " + MAX_LIVE + " live previews)" : "still, every " + STILL_MS / 1000 + " s";
      }
      const base = encodePath(v.path);
      if (v.want === "error" && want !== "off" && Date.now() < v.retryAt) {
        setText(v.note, "no picture (stream ended or refused); retrying");
        continue;
      }
      if (want !== v.want) {
        v.want = want;
        v.generation++;
        if (want === "live") v.img.src = base + "/stream.mjpeg?v=" + v.generation;
        else if (want === "still") v.img.src = base + "/snapshot.jpg?v=" + v.generation;
        else v.img.removeAttribute("src");
      } else if (want === "still" && refreshStill) {
        v.generation++;
        v.img.src = base + "/snapshot.jpg?v=" + v.generation;
      }
      v.img.parentElement.classList.toggle("off", want === "off");
      setText(v.note, note);
    }
    stillTick = (stillTick + 1) % Math.max(1, Math.round(STILL_MS / POLL_MS));
  }

  const observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    for (const e of entries) {
      for (const v of views.values()) {
        if (v.img === e.target) v.visible = e.isIntersecting;
      }
    }
    assignPreviews();
  }, { rootMargin: "100px" }) : null;

  async function poll() {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
    try {
      const resp = await fetch("api/status", { cache: "no-store", signal: ctl.signal, headers: { Accept: "application/json" } });
      if (!resp.ok) throw new Error("api/status: HTTP " + resp.status);
      const st = await resp.json();
      render(st);
      conn.classList.remove("bad");
      setText(conn, "Updated " + new Date().toLocaleTimeString());
    } catch (e) {
      conn.classList.add("bad");
      setText(conn, "Cannot read the status: " + (e && e.message ? e.message : e));
    } finally {
      clearTimeout(timer);
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
