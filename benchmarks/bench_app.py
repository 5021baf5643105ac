"""Speed and memory of the browser app on the baseline (60×60 cells, about 2,000 organisations).

Prints, against the targets of the workshop issue, all measured in one run:

1. **one session, step + redraw per page** — the real page rendered in a Solara kernel context as
   the server makes one (its widget messages serialised to a socket that counts the bytes), the
   Step button clicked for the whole run; with the JSON each page sends per month;
2. **a class of 20 participants** (target: step p95 ≤ 300 ms) — 20 sessions on one server
   process, each its own model; every participant alternates Play at the default speed with a
   pause and a few Step clicks a second apart, starting at staggered times.  Reported: the
   latency of Step clicks (a person waiting) and of Play steps (step + redraw inside the loop),
   p50 / p95 / max, the months per second each playing participant gets, and the process's RSS;
3. **memory given back** — the 20 pages closed as a tab close does; the time until their
   sessions are freed and the RSS before and after (target: within 5 minutes of the tab closing);
4. **one class session** (participatory mode, target: step p95 ≤ 300 ms) — a teacher and 20
   learners on one shared model: each learner sends a decision every month, the teacher clicks
   "Next month"; the teacher's click, the time until every learner's page has redrawn, a
   learner's "Send", the RSS;
5. **Play in a real browser** (target ≥ 5 steps/s; ``--no-browser`` skips it) — ``terrisim app``
   served on 127.0.0.1, Debian's chromium pressing ▶, the month counter read after a fixed time.

Run with ``.venv/bin/python benchmarks/bench_app.py`` (about four minutes; ``--grace 5`` shortens
part 3, whose default is the server's own grace period for a reload).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
PAGES = ("territory", "alliances", "indicators", "monitors", "story")
CLASS_TARGET_MS = 300.0
PLAY_TARGET = 5.0
RELEASE_TARGET_S = 300.0


def _setup_server_env(grace: float) -> None:
    """What ``terrisim app`` sets before Solara is imported, plus the grace period asked."""
    os.environ["TERRISIM_APP_SCENARIO"] = str(BASELINE)
    os.environ["TERRISIM_APP_SESSION_GRACE"] = str(grace)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"


class Session:
    """One participant: a kernel context as the server makes it, with the rendered page
    (``page``: a component to render instead of the app's own page)."""

    def __init__(self, n: int, page: object | None = None) -> None:
        import ipyvuetify as v
        import solara
        import solara.server.starlette  # kernel-scoped state, as in the server
        from solara.server import kernel_context, websocket

        from terrisim.app.app import Page

        class Socket(websocket.WebsocketWrapper):
            """What the browser would receive: counted, not sent."""

            def __init__(self) -> None:
                self.bytes = 0

            def send_text(self, data: str) -> None:
                self.bytes += len(data)

            def send_bytes(self, data: bytes) -> None:
                self.bytes += len(data)

            def close(self) -> None:
                pass

            async def receive(self) -> str:
                raise websocket.WebSocketDisconnect()

        self.socket = Socket()
        self.context = kernel_context.initialize_virtual_kernel(f"bench-{n}", str(uuid.uuid4()),
                                                                self.socket)
        with self.context:
            _box, self.rc = solara.render(solara.AppLayout(children=[page or Page()]),
                                          handle_error=False)
            self.context.app_object = self.rc      # closing the kernel unmounts the page
            self.v = v

    def button(self, css: str):
        """The button with CSS class ``css`` (tsim-play, tsim-step-btn, tsim-reset)."""
        with self.context:
            for found in self.rc.find(self.v.Btn).widgets:
                if css in (found.class_ or "").split():
                    return found
        raise LookupError(css)

    def click(self, css: str) -> float:
        """Click a button as the server handles a click; returns the seconds it took."""
        widget = self.button(css)
        with self.context:
            t = time.perf_counter()
            widget.click()
            return time.perf_counter() - t

    def keeper_token(self) -> str:
        """The page's session token (what its tab keeps in sessionStorage)."""
        import ipyvue

        with self.context:
            for w in self.rc.find(ipyvue.VueTemplate).widgets:
                if "token" in w.trait_names():
                    return str(w.token)
        raise LookupError("no session keeper on this page")

    def tab(self, page: str) -> None:
        from terrisim.app.components import PAGES as ALL

        with self.context:
            self.rc.find(self.v.Tabs).widget.v_model = ALL.index(page)

    def close(self) -> None:
        self.context.close(reason="page-close")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def one_session(months: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Part 1: per page, the seconds of each Step click and the bytes sent per month."""
    out: dict[str, list[float]] = {}
    sent: dict[str, float] = {}
    for page in PAGES:
        s = Session(0)
        s.tab(page)
        start = s.socket.bytes
        out[page] = [s.click("tsim-step-btn") for _ in range(months)]
        sent[page] = (s.socket.bytes - start) / months
        s.close()
    return out, sent


class Recorder:
    """Latency of every Play step: from the step's start to the end of its redraw."""

    def __init__(self) -> None:
        from terrisim.app.components import controls
        from terrisim.app.state import Simulation

        self.play: list[float] = []
        self.local = threading.local()
        original_step, original_after = Simulation.step, controls.after_step
        recorder = self

        def step(sim, model=None, interactive=True):
            recorder.local.t0 = time.perf_counter()
            return original_step(sim, model, interactive)

        def after(ui, going):
            result = original_after(ui, going)
            t0 = getattr(recorder.local, "t0", None)
            if t0 is not None:
                recorder.play.append(time.perf_counter() - t0)
            return result

        Simulation.step = step
        controls.after_step = after


def a_class(participants: int, seconds: float, seed: int) -> dict[str, object]:
    """Part 2: ``participants`` sessions, each alternating Play and Step clicks."""
    import psutil

    from terrisim.app.sessions import registry

    proc = psutil.Process()
    gc.collect()
    rss_idle = proc.memory_info().rss
    sessions = [Session(n) for n in range(participants)]
    rss_open = proc.memory_info().rss
    recorder = Recorder()
    clicks: list[float] = []
    months_played: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def participant(k: int, s: Session) -> None:
        rnd = random.Random(seed + k)
        time.sleep(rnd.uniform(0, 4))              # people do not all start at once
        while time.monotonic() < stop:
            start_month = _month(s)
            t = time.monotonic()
            s.click("tsim-play")                    # ▶
            time.sleep(rnd.uniform(5, 9))
            if s.button("tsim-play").children == ["❚❚"]:
                s.click("tsim-play")                # ❚❚
            with lock:
                months_played.append((_month(s) - start_month, time.monotonic() - t))
            for _ in range(rnd.randint(3, 5)):
                if time.monotonic() >= stop:
                    break
                time.sleep(rnd.uniform(0.6, 1.4))  # reading, then a click
                dt = s.click("tsim-step-btn")
                with lock:
                    clicks.append(dt)
            if _month(s) > 100:                    # near the end of the run: start again
                s.click("tsim-reset")

    threads = [threading.Thread(target=participant, args=(k, s))
               for k, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rss_busy = proc.memory_info().rss
    rates = [m / dt for m, dt in months_played if dt > 0]
    return {"sessions": sessions, "clicks": clicks, "play": recorder.play, "rates": rates,
            "rss_idle": rss_idle, "rss_open": rss_open, "rss_busy": rss_busy,
            "registry": registry}


def _month(s: Session) -> int:
    with s.context:
        counter = s.rc.find(s.v.Html, class_="tsim-step").widget
    text = counter.children[0]
    return int(text.split("/")[0].split()[-1])


def release(result: dict[str, object], timeout: float) -> dict[str, float]:
    """Part 3: close every page, wait until their sessions are freed."""
    import psutil

    proc = psutil.Process()
    registry = result["registry"]
    sessions = result.pop("sessions")
    released0 = registry.stats()["released"]
    n = len(sessions)
    t0 = time.monotonic()
    for s in sessions:
        s.close()
    sessions.clear()
    while time.monotonic() - t0 < timeout:
        if registry.stats()["released"] - released0 >= n and registry.stats()["waiting"] == 0:
            break
        time.sleep(1)
    freed_after = time.monotonic() - t0
    gc.collect()
    time.sleep(2)
    return {"waiting": n, "freed": registry.stats()["released"] - released0,
            "seconds": freed_after, "rss_after": proc.memory_info().rss}


def class_session(learners: int, months: int, gap: float) -> dict[str, object]:
    """Part 4: one class session — a teacher and ``learners`` learners on one shared model.

    Every learner sends a decision each month (mayors, catalysts, firms and associations in
    turn); the teacher clicks "Next month" ``months`` times, ``gap`` seconds apart.  Measured:
    the teacher's click (the month and the teacher's redraw), the time until every learner's
    page has redrawn, each learner's "Send", and the process's RSS.
    """
    import psutil
    import solara

    from terrisim.app.classroom import ROLES, Classroom
    from terrisim.app.components.classroom import LearnerApp, TeacherApp
    from terrisim.scenario import load_scenario

    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    room = Classroom(load_scenario(BASELINE), seed=7, token="bench")
    teacher = Session(1000, TeacherApp(room, solara.reactive("en"), "http://192.0.2.1:8765/"))
    pupils = []
    for k in range(learners):
        s = Session(1001 + k, LearnerApp(room, solara.reactive("fr" if k % 2 else "en")))
        role = ROLES[k % len(ROLES)]
        if not room.free_actors(role):                 # only a few catalysts: another role
            role = ROLES[(k + 1) % len(ROLES)]
        room.join(s.keeper_token(), f"Learner {k + 1}", role)
        pupils.append(s)
    room.settle()
    rss_class = proc.memory_info().rss
    ticks, spread, sends = [], [], []
    for _ in range(months):
        for s in pupils:
            sends.append(s.click("tsim-class-send"))
        time.sleep(gap)
        t = time.perf_counter()
        ticks.append(teacher.click("tsim-class-next"))
        room.settle(timeout=60)
        spread.append(time.perf_counter() - t)
    rss_busy = proc.memory_info().rss
    for s in [*pupils, teacher]:
        s.close()
    return {"teacher": ticks, "all": spread, "sends": sends, "rss0": rss0,
            "rss_class": rss_class, "rss_busy": rss_busy, "month": room.model.month}


def browser_play(seconds: float) -> dict[str, float]:
    """Part 4: steps per second while playing, in chromium, per (page, delay)."""
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    scenario = Path(tempfile.mkdtemp()) / "bench_play.toml"
    scenario.write_text(f'base = "{BASELINE}"\nname = "baseline"\nsteps = 600\n',
                        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "terrisim.cli", "app", str(scenario),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    results: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("terrisim app did not start") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--disable-quic"])
            for tab in ("Territory", "Indicators"):
                for delay in ("default", "0"):
                    page = browser.new_page(viewport={"width": 1500, "height": 1000})
                    page.goto(url)
                    counter = page.locator(".tsim-step")
                    expect(counter).to_be_visible(timeout=90_000)
                    page.get_by_role("tab", name=tab).click()
                    if delay == "0":
                        slider = page.locator(".tsim-controls").get_by_role("slider").first
                        slider.focus()
                        slider.press("Home")
                        expect(slider).to_have_attribute("aria-valuenow", "0")
                    page.wait_for_timeout(500)
                    start = _counter_month(counter.inner_text())
                    t = time.perf_counter()
                    page.get_by_role("button", name="▶", exact=True).click()
                    page.wait_for_timeout(seconds * 1000)
                    end = _counter_month(counter.inner_text())
                    elapsed = time.perf_counter() - t
                    page.get_by_role("button", name="❚❚").click()
                    results[f"{tab}, delay {delay}"] = (end - start) / elapsed
                    page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def _counter_month(text: str) -> int:
    return int(text.split("/")[0].split()[-1])


def _ms(values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return (f"p50 {statistics.median(ms):6.1f} ms   p95 {_pct(ms, 0.95):6.1f}   "
            f"max {max(ms):6.1f}   (n = {len(ms)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=60, help="steps per page in part 1")
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of part 2")
    parser.add_argument("--grace", type=float, default=None,
                        help="seconds a closed session waits for a reload (default: the "
                             "server's own)")
    parser.add_argument("--learners", type=int, default=20, help="learners in part 4")
    parser.add_argument("--class-months", type=int, default=24, help="months played in part 4")
    parser.add_argument("--play-seconds", type=float, default=8.0, help="Play time in part 5")
    parser.add_argument("--no-browser", action="store_true", help="skip part 5")
    args = parser.parse_args()
    if args.grace is not None:       # before the registry is created (at its module's import)
        os.environ["TERRISIM_APP_SESSION_GRACE"] = str(args.grace)
    from terrisim.app.sessions import registry

    grace = registry.grace
    _setup_server_env(grace)
    import psutil

    print(f"terrisim app benchmark — {BASELINE.name}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start\n")
    print(f"1. One session: Step clicked {args.months} times per page (model step + redraw of "
          "the page shown, widget messages serialised)")
    per_page, sent = one_session(args.months)
    registry.reap(time.monotonic() + grace + 1)        # these pages are closed: free them now
    for page, times in per_page.items():
        print(f"   {page:<11} {_ms(times)}   {sent[page] / 1024:5.1f} KiB sent per month")

    print(f"\n2. A class of {args.participants}: each participant alternates Play (default "
          f"speed) and Step clicks, {args.seconds:.0f} s")
    print(f"   target: step p95 ≤ {CLASS_TARGET_MS:.0f} ms")
    result = a_class(args.participants, args.seconds, seed=1)
    clicks, play = result["clicks"], result["play"]
    worst = max(_pct([1000 * c for c in clicks], 0.95), _pct([1000 * p for p in play], 0.95))
    print(f"   Step clicks  {_ms(clicks)}")
    print(f"   Play steps   {_ms(play)}")
    rates = result["rates"]
    print(f"   months per second while playing: median {statistics.median(rates):.1f} "
          f"(min {min(rates):.1f}, max {max(rates):.1f}; 10 at the default 100 ms delay "
          "when alone)")
    mib = 1024 * 1024
    print(f"   RSS: {result['rss_idle'] / mib:.0f} MiB before the class, "
          f"{result['rss_open'] / mib:.0f} MiB with {args.participants} sessions open "
          f"(+{(result['rss_open'] - result['rss_idle']) / mib / args.participants:.1f} MiB "
          f"each), {result['rss_busy'] / mib:.0f} MiB after {args.seconds:.0f} s of work")
    print(f"   worst p95 {worst:.0f} ms → {'OK' if worst <= CLASS_TARGET_MS else 'ABOVE TARGET'}")

    print(f"\n3. Memory given back: the {args.participants} pages closed (as a closed tab); "
          f"sessions wait {grace:.0f} s for a reload, then are freed")
    freed = release(result, timeout=grace + 120)
    print(f"   {freed['freed']} of {freed['waiting']} sessions freed {freed['seconds']:.0f} s "
          f"after the tabs closed; RSS {result['rss_busy'] / mib:.0f} → "
          f"{freed['rss_after'] / mib:.0f} MiB "
          f"(before the class {result['rss_idle'] / mib:.0f} MiB)")
    ok = freed["freed"] >= freed["waiting"] and freed["seconds"] <= RELEASE_TARGET_S
    print(f"   target: freed within {RELEASE_TARGET_S:.0f} s → {'OK' if ok else 'NOT MET'} "
          "(a tab that vanishes without closing adds Solara's cull timeout, 90 s)")
    print(json.dumps({"class_click_p95_ms": _pct([1000 * c for c in clicks], 0.95),
                      "class_play_p95_ms": _pct([1000 * p for p in play], 0.95),
                      "rss_per_session_mib": (result["rss_open"] - result["rss_idle"]) / mib
                      / args.participants}), file=sys.stderr)
    del psutil

    print(f"\n4. One class session: a teacher and {args.learners} learners on one shared "
          f"territory; every learner sends a decision each month, the teacher clicks "
          f"\"Next month\" {args.class_months} times")
    print(f"   target: step p95 ≤ {CLASS_TARGET_MS:.0f} ms")
    c = class_session(args.learners, args.class_months, gap=0.5)
    print(f"   teacher's click (the month computed)          {_ms(c['teacher'])}")
    print(f"   until every page (teacher first) has redrawn  {_ms(c['all'])}")
    print(f"   a learner's \"Send my decision\"               {_ms(c['sends'])}")
    print(f"   RSS: {c['rss0'] / mib:.0f} MiB before, {c['rss_class'] / mib:.0f} MiB with the "
          f"class ({args.learners + 1} pages, one model), {c['rss_busy'] / mib:.0f} MiB after "
          f"{c['month']} months")
    worst = _pct([1000 * x for x in c["all"]], 0.95)
    print(f"   p95 until every page has redrawn {worst:.0f} ms → "
          f"{'OK' if worst <= CLASS_TARGET_MS else 'ABOVE TARGET'}")

    if args.no_browser:
        return 0
    if not Path(shutil.which("chromium") or "/usr/bin/chromium").exists():
        print("\n5. Play in a browser: skipped (chromium not installed)")
        return 0
    print(f"\n5. Play in chromium ({args.play_seconds:.0f} s each; counter read from the page)")
    print(f"   target: ≥ {PLAY_TARGET:.0f} steps/s")
    speeds = browser_play(args.play_seconds)
    for what, rate in speeds.items():
        print(f"   {what:<26} {rate:5.1f} steps/s")
    default = min(v for k, v in speeds.items() if k.endswith("default"))
    print(f"   slowest at the default delay {default:.1f} steps/s → "
          f"{'OK' if default >= PLAY_TARGET else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
