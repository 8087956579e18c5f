#!/usr/bin/env python3
"""Ask a real Thunderbird what it thinks of the S/MIME signature of .eml files.

usage: verdict.py --root ROOT.pem [--screenshot NAME.eml=OUT.png] FILE.eml...

For every run it creates a fresh temporary profile, imports ROOT.pem (a PEM
bundle or one DER cert) into the profile's cert9.db with NSS certutil (trust
"C,C,C"), starts Thunderbird with Marionette on its own Xvfb display, opens
each file in a standalone message window (exactly what File > Open Saved
Message does), waits until Thunderbird's S/MIME sink has reported the
signature status, clicks the header's "S/MIME" button to open the message
security popup, and prints one line per file:

    <file> TAB <status number> TAB <popup headline Thunderbird shows>

status is nsICMSMessageErrors: 0 SUCCESS, 1029 VERIFY_UNTRUSTED,
1038 VERIFY_HEADER_MISMATCH, 1041 VERIFY_TIME_MISMATCH, ...; -1 means the
message was not S/MIME signed (no S/MIME indicator shown).

Exit 0 if every file was judged (whatever the verdicts), 1 if some were not,
2 on setup errors (missing tool, bad argument, Thunderbird did not start),
3 if the total deadline ran out.  The reason is one line on stderr.
Python 3 standard library only; needs thunderbird, Xvfb and certutil
(see NOTES.md).  Thunderbird and Xvfb are killed and the profile removed on
every exit path (except SIGKILL of this script: then the children die via
PR_SET_PDEATHSIG but the temp dir stays behind).
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

PROG = "verdict.py"

STATUS_NAMES = {
    -1: "NOT_SIGNED", 0: "SUCCESS", 1: "GENERAL_ERROR", 1024: "VERIFY_NOT_SIGNED",
    1025: "VERIFY_NO_CONTENT_INFO", 1026: "VERIFY_BAD_DIGEST", 1028: "VERIFY_NOCERT",
    1029: "VERIFY_UNTRUSTED", 1031: "VERIFY_ERROR_UNVERIFIED",
    1032: "VERIFY_ERROR_PROCESSING", 1033: "VERIFY_BAD_SIGNATURE",
    1034: "VERIFY_DIGEST_MISMATCH", 1035: "VERIFY_UNKNOWN_ALGO",
    1036: "VERIFY_UNSUPPORTED_ALGO", 1037: "VERIFY_MALFORMED_SIGNATURE",
    1038: "VERIFY_HEADER_MISMATCH", 1039: "VERIFY_NOT_YET_ATTEMPTED",
    1040: "VERIFY_CERT_WITHOUT_ADDRESS", 1041: "VERIFY_TIME_MISMATCH",
}

USER_PREFS = {
    # Marionette: port 0 = pick a free one, written to <profile>/MarionetteActivePort
    "marionette.port": 0,
    # no first-run account hub / default-client prompt / start page
    "mail.provider.suppress_dialog_on_startup": True,
    "mail.provider.enabled": False,
    "mail.shell.checkDefaultClient": False,
    "mailnews.start_page.enabled": False,
    "mailnews.start_page_override.mstone": "ignore",
    "mail.startup.enabledMailCheckOnce": True,
    "mail.rights.override": True,
    "mail.spotlight.firstRunDone": True,
    "mail.winsearch.firstRunDone": True,
    "mail.biff.show_alert": False,
    "mailnews.auto_config.fetchFromISP.enabled": False,
    "mailnews.auto_config.fetchFromExchange.enabled": False,
    # never touch the network (only loopback exists)
    "security.OCSP.enabled": 0,
    "security.OCSP.require": False,
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "network.connectivity-service.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "mailnews.message_display.disable_remote_image": True,
    "app.update.disabledForTesting": True,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "browser.dom.window.dump.enabled": True,
    "toolkit.startup.max_resumed_crashes": -1,
    "browser.shell.checkDefaultBrowser": False,
    "ui.prefersReducedMotion": 1,
    "toolkit.cosmeticAnimations.enabled": False,
    "intl.locale.requested": "en-US",
    # Without a window manager, Xvfb/GTK rolls up (auto-hides) arrow panels
    # ~15 ms after "popupshown" whenever the panel is taller than its first
    # layout (every "not valid" / mismatch popup).  Keep popups open; this
    # harness closes them itself.
    "ui.popup.disable_autohide": True,
}


DEBUG = False
T0 = time.monotonic()


def debug(msg):
    if DEBUG:
        print("%s: [%.2fs] %s" % (PROG, time.monotonic() - T0, msg), file=sys.stderr, flush=True)


class Fail(Exception):
    """Fatal error: message is the one-line reason, code the exit code."""

    def __init__(self, msg, code=2):
        super().__init__(msg)
        self.code = code


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds
        self.total = seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, what):
        if self.left() <= 0:
            raise Fail("total deadline of %ds exceeded while %s" % (self.total, what), 3)


# ---------------------------------------------------------------- Marionette

class Marionette:
    """Minimal Marionette protocol client: frames are b"<len>:<json>"."""

    def __init__(self, port, deadline):
        self.deadline = deadline
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.msgid = 0
        hello = self._recv()
        if not isinstance(hello, dict) or hello.get("marionetteProtocol") != 3:
            raise Fail("unexpected Marionette greeting: %r" % (hello,))

    def _read_more(self):
        left = self.deadline.left()
        if left <= 0:
            raise Fail("total deadline of %ds exceeded waiting for Marionette" % self.deadline.total, 3)
        self.sock.settimeout(min(left, 600))
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            raise Fail("total deadline of %ds exceeded waiting for Marionette" % self.deadline.total, 3)
        if not data:
            raise Fail("Thunderbird closed the Marionette connection (crashed or exited?)")
        self.buf += data

    def _recv(self):
        while b":" not in self.buf:
            self._read_more()
        head, rest = self.buf.split(b":", 1)
        n = int(head)
        self.buf = rest
        while len(self.buf) < n:
            self._read_more()
        payload, self.buf = self.buf[:n], self.buf[n:]
        return json.loads(payload)

    def cmd(self, name, params=None):
        debug("-> %s %s" % (name, json.dumps(params)[:120] if name != "WebDriver:ExecuteScript" and name != "WebDriver:ExecuteAsyncScript" else (params or {}).get("args")))
        self.msgid += 1
        data = json.dumps([0, self.msgid, name, params or {}]).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data)
        while True:
            msg = self._recv()
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 1 and msg[1] == self.msgid:
                if msg[2]:
                    err = msg[2]
                    raise Fail("Marionette %s failed: %s: %s" % (
                        name, err.get("error"), (err.get("message") or "").splitlines()[0][:300]))
                debug("<- %s" % json.dumps(msg[3])[:300])
                return msg[3]

    def script(self, js, args=(), asynchronous=False):
        r = self.cmd("WebDriver:ExecuteAsyncScript" if asynchronous else "WebDriver:ExecuteScript",
                     {"script": js, "args": list(args)})
        return r.get("value") if isinstance(r, dict) else r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- chrome JS

JS_MAIN_READY = r"""
const w = Services.wm.getMostRecentWindow("mail:3pane");
if (!w || w.document.readyState != "complete") return false;
if (w.gMailInit && "delayedStartupFinished" in w.gMailInit && !w.gMailInit.delayedStartupFinished) return false;
return Services.appinfo.version;
"""

JS_OPEN = r"""
const [path, key, width, height] = arguments;
const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
file.initWithPath(path);
// Same URL and window as MailUtils.openEMLFile() (File > Open Saved Message).
const url = Services.io.newFileURI(file).mutate()
  .setQuery("type=application/x-message-display").finalize();
const main = Services.wm.getMostRecentWindow("mail:3pane");
const w = main.openDialog("chrome://messenger/content/messageWindow.xhtml", "_blank",
  "all,chrome,dialog=no,status,toolbar,width=" + width + ",height=" + height, url);
(main.__tbVerdict ||= {})[key] = w;
return url.spec;
"""

# Resolves when Thunderbird's own S/MIME code says verification is complete.
# TB >= 153 (msgHdrViewSMIMEOverlay.js): window event "smimeprocessed" /
#   gSmimeProcessedDispatched, set after MsgLoaded and after every
#   signatureProcessingStarted() got its signedStatus() callback.
# Older (115..140): no such flag; wait for gSignatureStatus != -1 once the
#   message is shown (gMessage set), or call it unsigned after a quiet period.
JS_WAIT = r"""
const [key, timeoutMs, quietMs] = arguments;
const resolve = arguments[arguments.length - 1];
const main = Services.wm.getMostRecentWindow("mail:3pane");
const w = main.__tbVerdict && main.__tbVerdict[key];
const t0 = Date.now();
let quietSince = null, lastErr = null;
function state(am, how) {
  return {how, ms: Date.now() - t0, sig: am.gSignatureStatus, enc: am.gEncryptionStatus,
          uri: am.gSignatureStatusForURI ?? null,
          expected: am.gExpectedSignatureCount ?? null, received: am.gReceivedSignatureCount ?? null};
}
function poll() {
  try {
    if (!w || w.closed) { resolve({error: "message window closed unexpectedly"}); return; }
    const mb = w.document && w.document.getElementById("messageBrowser");
    const am = mb && mb.contentWindow;
    if (am && am.document.readyState == "complete" && "gSignatureStatus" in am) {
      if ("gSmimeProcessedDispatched" in am) {
        if (am.gSmimeProcessedDispatched) { resolve(state(am, "smimeprocessed")); return; }
        const unsignedNow = am.gSmimeMsgLoadedFired && am.gExpectedSignatureCount == 0 &&
          am.gSignatureStatusForURI === null && am.gEncryptionStatusForURI === null;
        quietSince = unsignedNow ? (quietSince ?? Date.now()) : null;
      } else {
        if (am.gMessage && am.gSignatureStatus != -1) {
          // Old TB: first status wins unless a bad one arrives; give it a moment.
          quietSince = quietSince ?? Date.now();
          if (Date.now() - quietSince > 300) { resolve(state(am, "status-set")); return; }
        } else {
          const shown = am.gMessage && am.document.getElementById("messagepane") &&
            am.document.getElementById("messagepane").webProgress &&
            !am.document.getElementById("messagepane").webProgress.isLoadingDocument;
          quietSince = shown ? (quietSince ?? Date.now()) : null;
        }
      }
      if (quietSince !== null && Date.now() - quietSince > quietMs) {
        resolve(state(am, "no-smime")); return;
      }
    }
  } catch (e) { lastErr = String(e); }
  if (Date.now() - t0 > timeoutMs) {
    resolve({timeout: true, error: lastErr}); return;
  }
  main.setTimeout(poll, 50);
}
poll();
"""

# Reads what the UI shows: the header's crypto box (S/MIME button + icon) and
# the message security popup, opened by clicking the S/MIME button as a user
# would (showMessageReadSecurityInfo -> loadSmimeMessageSecurityInfo).
JS_INFO = r"""
const [key, timeoutMs, forScreenshot] = arguments;
const resolve = arguments[arguments.length - 1];
const main = Services.wm.getMostRecentWindow("mail:3pane");
const w = main.__tbVerdict[key];
const am = w.document.getElementById("messageBrowser").contentWindow;
const d = am.document;
const box = d.getElementById("cryptoBox");
const btn = d.getElementById("encryptionTechBtn");
const icon = d.getElementById("signedHdrIcon");
const txt = id => { const e = d.getElementById(id); return e ? e.textContent.trim() : null; };
const vis = id => { const e = d.getElementById(id); return !!e && !e.collapsed && !e.hidden; };
const res = {
  sig: am.gSignatureStatus, enc: am.gEncryptionStatus,
  boxShown: !box.hidden, tech: box.getAttribute("tech"),
  button: btn ? btn.textContent.trim() : null,
  icon: icon.hidden ? null : (icon.getAttribute("src") || "").replace(/^.*\/message-|\.svg$/g, ""),
  signerEmail: am.gSignerCert ? am.gSignerCert.emailAddress : null,
  signerCN: am.gSignerCert ? am.gSignerCert.commonName : null,
  win: {x: w.screenX, y: w.screenY, w: w.outerWidth, h: w.outerHeight},
};
function read(how) {
  res.popup = how;
  res.label = txt("signatureLabel");
  res.header = vis("signatureHeader") ? txt("signatureHeader") : null;
  res.explanation = txt("signatureExplanation");
  res.techLabel = txt("techLabel");
}
// n animation frames of win; each bounded by 250 ms in case the refresh driver is throttled.
function frames(n, win, cb) {
  if (n <= 0) { cb(); return; }
  let done = false;
  const next = how => { if (done) return; done = true; (res.frames ||= []).push(how); frames(n - 1, win, cb); };
  main.setTimeout(() => next("timeout"), 250);
  try { win.requestAnimationFrame(() => next("raf")); } catch (e) { next("err:" + e); }
}
if (!res.boxShown || am.gSignatureStatus == Ci.nsICMSMessageErrors.VERIFY_NOT_YET_ATTEMPTED) {
  // Nothing to click (unsigned), or clicking would raise a modal IMAP prompt.
  frames(forScreenshot ? 3 : 0, w, () => resolve(res));
  return;
}
const panel = d.getElementById("messageSecurityPanel");
let settled = false;
const timer = main.setTimeout(() => {
  if (settled) return; settled = true;
  try { am.loadSmimeMessageSecurityInfo(); } catch (e) { res.infoErr = String(e); }
  read("popup-not-shown-read-directly");
  resolve(res);
}, timeoutMs);
panel.addEventListener("popupshown", () => {
  if (settled) return; settled = true; main.clearTimeout(timer);
  read("shown");
  const r = panel.getOuterScreenRect();
  res.panel = {x: r.x, y: r.y, w: r.width, h: r.height};
  if (!forScreenshot) { resolve(res); return; }
  // Let the popup widget and the window paint before the X framebuffer is read.
  frames(3, am, () => frames(2, w, () => { res.popupStateAfterPaint = panel.state; resolve(res); }));
}, {once: true});
btn.click();
"""

JS_CLOSE = r"""
const [key, timeoutMs] = arguments;
const resolve = arguments[arguments.length - 1];
const main = Services.wm.getMostRecentWindow("mail:3pane");
const w = main.__tbVerdict && main.__tbVerdict[key];
if (!w || w.closed) { resolve(true); return; }
try {
  const am = w.document.getElementById("messageBrowser").contentWindow;
  const p = am.document.getElementById("messageSecurityPanel");
  if (p && p.state != "closed") p.hidePopup();
} catch (e) {}
w.close();
const t0 = Date.now();
(function poll() {
  if (w.closed) { delete main.__tbVerdict[key]; resolve(true); return; }
  if (Date.now() - t0 > timeoutMs) { resolve(false); return; }
  main.setTimeout(poll, 50);
})();
"""


# ---------------------------------------------------------------- processes

def _pdeathsig():
    """preexec_fn: child gets SIGKILL if this script dies (Linux, best effort)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def spawn(argv, **kw):
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=_pdeathsig, **kw)


def kill_group(proc, grace=5.0):
    """Terminate the process group we created for proc, then SIGKILL."""
    if proc is None:
        return
    try:
        pgid = proc.pid  # start_new_session=True: pid == pgid
        if proc.poll() is None:
            os.killpg(pgid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # SIGKILL the group even if the leader is gone (content processes).
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    except ProcessLookupError:
        pass


def find_tool(name, extra=()):
    for c in list(extra) + [shutil.which(name)]:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def start_xvfb(xvfb, fbdir, size, deadline):
    r, w = os.pipe()
    try:
        proc = spawn([xvfb, "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp",
                      "-fbdir", fbdir, "-noreset", "-nocursor"],
                     pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        os.close(r)
        os.close(w)
        raise Fail("cannot start Xvfb: %s" % e)
    os.close(w)
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            left = min(deadline.left(), 30)
            if left <= 0:
                raise Fail("Xvfb did not report its display number within 30s")
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                raise Fail("Xvfb did not report its display number within 30s")
            chunk = os.read(r, 64)
            if not chunk:
                err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.poll() is not None else []
                raise Fail("Xvfb exited before reporting a display%s" % (": " + err[-1] if err else ""))
            buf += chunk
    except Fail:
        kill_group(proc)
        raise
    finally:
        os.close(r)
    proc.stderr.close()
    return proc, ":" + buf.decode().strip()


# ---------------------------------------------------------------- screenshot

def wait_fb_stable(xwd_path, deadline, settle=0.15, limit=3.0):
    """Wait until two framebuffer reads `settle` s apart are identical."""
    end = time.monotonic() + min(limit, max(0.0, deadline.left()))
    with open(xwd_path, "rb") as f:
        prev = f.read()
    while time.monotonic() < end:
        time.sleep(settle)
        with open(xwd_path, "rb") as f:
            cur = f.read()
        if cur == prev:
            return True
        prev = cur
    return False


def xwd_to_png(xwd_path, png_path, crop=None):
    """Convert the Xvfb -fbdir framebuffer (XWD, 24/32 bpp TrueColor) to PNG."""
    with open(xwd_path, "rb") as f:
        data = f.read()
    for endian in (">", "<"):
        hdr = struct.unpack(endian + "25I", data[:100])
        if hdr[1] == 7:  # file_version
            break
    else:
        raise Fail("unrecognised XWD framebuffer in %s" % xwd_path)
    (header_size, _ver, _fmt, _depth, width, height, _xoff, byte_order, _unit, _bo, _pad,
     bpp, bpl, _vclass, rmask, gmask, bmask, _bprgb, _cmap, ncolors) = hdr[:20]
    if bpp != 32:
        raise Fail("unsupported framebuffer depth %d bpp (want 32)" % bpp)
    off = header_size + ncolors * 12

    def idx(mask):
        shift = (mask & -mask).bit_length() - 1
        return shift // 8 if byte_order == 0 else 3 - shift // 8
    ri, gi, bi = idx(rmask), idx(gmask), idx(bmask)
    x0, y0, x1, y1 = 0, 0, width, height
    if crop:
        x0, y0 = max(0, int(crop[0])), max(0, int(crop[1]))
        x1, y1 = min(width, int(crop[0] + crop[2])), min(height, int(crop[1] + crop[3]))
        if x1 <= x0 or y1 <= y0:
            x0, y0, x1, y1 = 0, 0, width, height
    w = x1 - x0
    raw = bytearray()
    row = bytearray(3 * w)
    for y in range(y0, y1):
        src = data[off + y * bpl + 4 * x0: off + y * bpl + 4 * x1]
        row[0::3] = src[ri::4]
        row[1::3] = src[gi::4]
        row[2::3] = src[bi::4]
        raw += b"\x00" + row

    def chunk(tag, body):
        c = struct.pack(">I", len(body)) + tag + body
        return c + struct.pack(">I", zlib.crc32(tag + body) & 0xffffffff)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, y1 - y0, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))
    tmp = png_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, png_path)


# ---------------------------------------------------------------- profile

def import_roots(certutil, profile, root_path):
    with open(root_path, "rb") as f:
        blob = f.read()
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", blob, re.S)
    ders = [base64.b64decode(b"".join(p.splitlines()[1:-1])) for p in pems] if pems else [blob]
    if not ders or not ders[0]:
        raise Fail("no certificate found in %s" % root_path)

    def run(args):
        p = subprocess.run([certutil] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            msg = p.stdout.decode(errors="replace").strip().splitlines()
            raise Fail("certutil %s failed: %s" % (args[0], msg[-1] if msg else "rc=%d" % p.returncode))
    run(["-N", "-d", "sql:" + profile, "--empty-password"])
    for i, der in enumerate(ders):
        path = os.path.join(profile, "root%d.der" % i)
        with open(path, "wb") as f:
            f.write(der)
        run(["-A", "-d", "sql:" + profile, "-n", "verdict root %d" % i, "-t", "C,C,C", "-i", path])
        os.unlink(path)
    return len(ders)


def write_user_js(profile):
    with open(os.path.join(profile, "user.js"), "w") as f:
        for k, v in USER_PREFS.items():
            f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="root CA certificate(s) to trust (PEM bundle or DER)")
    ap.add_argument("--screenshot", action="append", default=[], metavar="NAME.eml=OUT.png",
                    help="save a PNG of NAME.eml's message window with the security popup open")
    ap.add_argument("--timeout", type=float, default=300, help="total deadline in seconds (default 300)")
    ap.add_argument("--per-message", type=float, default=60,
                    help="max seconds to wait for one message's status (default 60)")
    ap.add_argument("--thunderbird", help="thunderbird binary (default: thunderbird on PATH or /usr/lib/thunderbird)")
    ap.add_argument("--long", action="store_true",
                    help="append columns: status name, header indicator, popup explanation, signer e-mail, ms")
    ap.add_argument("--keep", action="store_true", help="keep the temp profile and logs (path on stderr)")
    ap.add_argument("--debug", action="store_true", help="progress messages on stderr")
    ap.add_argument("files", nargs="+", metavar="FILE.eml")
    return ap.parse_args(argv)


def describe(info):
    st = info["sig"]
    if not info.get("boxShown") or st == -1:
        text = "Not signed (no S/MIME indicator shown)"
    else:
        text = info.get("label") or "(S/MIME button shown, popup text unavailable)"
    return st, text


def long_cols(info, ms):
    st = info["sig"]
    if info.get("boxShown"):
        ind = "%s button, %s" % (info.get("button") or info.get("tech"),
                                 ("icon " + info["icon"]) if info.get("icon") else "no signature icon")
    else:
        ind = "no crypto indicator"
    expl = " ".join(x for x in (info.get("header"), info.get("explanation")) if x)
    return [STATUS_NAMES.get(st, "UNKNOWN"), ind, expl or "-", info.get("signerEmail") or "-", "%dms" % ms]


def run(args, deadline, tmp):
    # The real binary, not Debian's /usr/bin/thunderbird wrapper script.
    if args.thunderbird:
        tb = args.thunderbird if os.path.isfile(args.thunderbird) and os.access(args.thunderbird, os.X_OK) else None
    else:
        tb = find_tool("thunderbird", ["/usr/lib/thunderbird/thunderbird"])
    xvfb = find_tool("Xvfb")
    certutil = find_tool("certutil")
    missing = [n for n, p in (("thunderbird (apt-get install thunderbird)", tb),
                              ("Xvfb (apt-get install xvfb)", xvfb),
                              ("certutil (apt-get install libnss3-tools)", certutil)) if not p]
    if missing:
        raise Fail("missing: " + ", ".join(missing))
    if not os.path.isfile(args.root):
        raise Fail("root certificate not found: %s" % args.root)
    files = []
    for f in args.files:
        if not os.path.isfile(f) or not os.access(f, os.R_OK):
            raise Fail("cannot read %s" % f)
        if os.path.getsize(f) == 0:
            raise Fail("%s is empty (Thunderbird would show nothing to judge)" % f)
        files.append(f)
    shots = {}
    for spec in args.screenshot:
        name, sep, out = spec.rpartition("=")
        if not sep or not name or not out:
            raise Fail("--screenshot wants NAME.eml=OUT.png, got %r" % spec)
        hits = [i for i, f in enumerate(files) if os.path.abspath(f) == os.path.abspath(name)] or \
               [i for i, f in enumerate(files) if os.path.basename(f) == os.path.basename(name)]
        if not hits:
            raise Fail("--screenshot %s does not name one of the FILE.eml arguments" % name)
        out = os.path.abspath(out)
        if not os.path.isdir(os.path.dirname(out)) or not os.access(os.path.dirname(out), os.W_OK):
            raise Fail("cannot write screenshot %s (directory missing or read-only)" % out)
        for i in hits:
            shots[i] = out

    profile = os.path.join(tmp, "profile")
    fbdir = os.path.join(tmp, "fb")
    home = os.path.join(tmp, "home")
    for d in (profile, fbdir, home):
        os.mkdir(d)
    import_roots(certutil, profile, args.root)
    write_user_js(profile)

    procs = {}
    try:
        procs["xvfb"], display = start_xvfb(xvfb, fbdir, "1280x1024x24", deadline)
        env = dict(os.environ)
        for k in list(env):
            if k.startswith(("MOZ_", "WAYLAND_", "XDG_")) or k in ("DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY"):
                del env[k]
        env.update({"DISPLAY": display, "HOME": home, "MOZ_CRASHREPORTER_DISABLE": "1",
                    "MOZ_REMOTE_ALLOW_SYSTEM_ACCESS": "1", "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
                    "MOZ_ENABLE_WAYLAND": "0", "GDK_BACKEND": "x11", "NO_AT_BRIDGE": "1",
                    "TMPDIR": tmp, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        log = open(os.path.join(tmp, "thunderbird.log"), "wb")
        procs["tb"] = spawn([tb, "--marionette", "-remote-allow-system-access", "-no-remote",
                             "-new-instance", "-profile", profile],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

        # Wait for Marionette to listen (it writes its port into the profile).
        port_file = os.path.join(profile, "MarionetteActivePort")
        start_limit = time.monotonic() + min(120, deadline.left())
        mn = None
        while mn is None:
            rc = procs["tb"].poll()
            if rc is not None:
                raise Fail("Thunderbird exited during startup (rc=%s)%s" % (
                    rc, "; log: " + os.path.join(tmp, "thunderbird.log") if args.keep else ""))
            if time.monotonic() > start_limit:
                deadline.check("starting Thunderbird")
                raise Fail("Thunderbird's Marionette did not come up within 120s")
            try:
                with open(port_file) as f:
                    port = int(f.read().strip() or "0")
                if port:
                    mn = Marionette(port, deadline)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        mn.cmd("WebDriver:NewSession", {"capabilities": {}})
        mn.cmd("Marionette:SetContext", {"value": "chrome"})
        mn.cmd("WebDriver:SetTimeouts", {"script": int(max(deadline.left(), 1) * 1000) + 30000})

        version = None
        while not version:
            deadline.check("waiting for Thunderbird's main window")
            if time.monotonic() > start_limit:
                raise Fail("Thunderbird's main window did not finish loading within 120s")
            version = mn.script(JS_MAIN_READY)
            if not version:
                time.sleep(0.1)
        if args.keep:
            print("%s: Thunderbird %s, profile %s" % (PROG, version, profile), file=sys.stderr)

        failures = []
        for i, path in enumerate(files):
            deadline.check("judging %s" % path)
            key = "m%d" % i
            t0 = time.monotonic()
            per = max(1.0, min(args.per_message, deadline.left() - 5))
            mn.script(JS_OPEN, [os.path.abspath(path), key, 1000, 760])
            st = mn.script(JS_WAIT, [key, int(per * 1000), 2000], asynchronous=True)
            if not isinstance(st, dict) or st.get("timeout") or st.get("error"):
                reason = "timed out after %ds waiting for the signature status" % per \
                    if isinstance(st, dict) and st.get("timeout") else \
                    "no status: %s" % (st.get("error") if isinstance(st, dict) else st)
                failures.append("%s (%s)" % (path, reason))
                mn.script(JS_CLOSE, [key, 10000], asynchronous=True)
                continue
            info = mn.script(JS_INFO, [key, 10000, i in shots], asynchronous=True)
            ms = int((time.monotonic() - t0) * 1000)
            if i in shots:
                crop = None
                wr = info.get("win") or {}
                if wr:
                    x0, y0 = wr["x"], wr["y"]
                    x1, y1 = wr["x"] + wr["w"], wr["y"] + wr["h"]
                    p = info.get("panel")
                    if p:
                        x0, y0 = min(x0, p["x"]), min(y0, p["y"])
                        x1, y1 = max(x1, p["x"] + p["w"]), max(y1, p["y"] + p["h"])
                    crop = (x0, y0, x1 - x0, y1 - y0)
                if info.get("panel") and info.get("popupStateAfterPaint") != "open":
                    raise Fail("security popup of %s closed before the screenshot" % path)
                fb = os.path.join(fbdir, "Xvfb_screen0")
                wait_fb_stable(fb, deadline)
                xwd_to_png(fb, shots[i], crop)
            debug("frames waited: %s; win %s; panel %s" % (info.get("frames"), info.get("win"), info.get("panel")))
            status, text = describe(info)
            cols = [path, str(status), text]
            if args.long:
                cols += long_cols(info, ms)
            print("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cols), flush=True)
            if not mn.script(JS_CLOSE, [key, 10000], asynchronous=True):
                raise Fail("could not close the message window of %s" % path)
        try:
            mn.cmd("Marionette:Quit", {"flags": ["eForceQuit"]})
        except Fail:
            pass
        mn.close()
        if failures:
            raise Fail("could not judge %d of %d file(s): %s" % (len(failures), len(files), "; ".join(failures)), 1)
    finally:
        quiet_signals()
        kill_group(procs.get("tb"))
        kill_group(procs.get("xvfb"), grace=2)


def quiet_signals():
    """During cleanup, ignore further signals so it cannot be cut short."""
    signal.alarm(0)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)


def main(argv=None):
    global DEBUG
    args = parse_args(sys.argv[1:] if argv is None else argv)
    DEBUG = args.debug
    deadline = Deadline(args.timeout)

    def on_signal(signum, _frame):
        raise Fail("interrupted by signal %d" % signum, 130 if signum == signal.SIGINT else 143)

    def on_alarm(_signum, _frame):
        raise Fail("total deadline of %ds exceeded (hard stop)" % args.timeout, 3)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout) + 10)  # backstop if something blocks uninterruptibly

    tmp = tempfile.mkdtemp(prefix="tb-verdict-")
    code = 0
    try:
        run(args, deadline, tmp)
    except Fail as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        code = e.code
    except Exception as e:  # noqa: BLE001 - one clear line instead of a traceback
        print("%s: internal error: %s: %s" % (PROG, type(e).__name__, e), file=sys.stderr)
        code = 2
    finally:
        quiet_signals()
        if args.keep:
            print("%s: kept %s" % (PROG, tmp), file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
