"""What lets one server hold a class, without a browser: clicks go before Play loops at the step
gate, sessions wait for a reload then are freed, a closed Solara session leaves no model behind,
and the map's default layer keeps every actor class visible (contrast)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from itertools import combinations, product
from pathlib import Path

from terrisim.app import views
from terrisim.app.capacity import StepGate
from terrisim.app.sessions import SessionRegistry

ROOT = Path(__file__).resolve().parents[1]


def test_a_click_goes_before_waiting_play_loops() -> None:
    gate = StepGate()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with gate.turn(interactive=False):
            holding.set()
            release.wait(5)
            order.append("running")

    def player(k: int) -> None:
        with gate.turn(interactive=False):
            order.append(f"play{k}")

    def click() -> None:
        with gate.turn(interactive=True):
            order.append("click")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert holding.wait(5)
    for k in range(3):
        threads.append(threading.Thread(target=player, args=(k,)))
        threads[-1].start()
    time.sleep(0.05)
    threads.append(threading.Thread(target=click))
    threads[-1].start()
    time.sleep(0.05)
    release.set()
    for t in threads:
        t.join(5)
    assert order[0] == "running" and order[1] == "click", order
    assert sorted(order[2:]) == ["play0", "play1", "play2"]


class Session:
    def __init__(self) -> None:
        self.released = False

    def release(self) -> None:
        self.released = True


def test_a_closed_page_waits_for_its_reload_then_is_freed() -> None:
    reg = SessionRegistry(grace=60, reap_every=1000)
    a, b = Session(), Session()
    ta, tb = reg.new(a, {"lang": "fr"}), reg.new(b)
    assert reg.claim(ta) is None                  # still attached: a duplicated tab gets its own
    reg.detach(ta, {"tab": 2})
    entry = reg.claim(ta)                         # the reload takes it back, with its view
    assert entry is not None and entry.session is a and entry.view == {"lang": "fr", "tab": 2}
    assert reg.claim(ta) is None                  # only once
    reg.detach(tb)
    now = time.monotonic()
    assert reg.reap(now + 30) == 0 and not b.released
    assert reg.reap(now + 61) == 1 and b.released
    assert reg.claim(tb) is None                  # freed: a reload starts afresh
    assert reg.stats() == {"attached": 1, "waiting": 0, "released": 1}
    reg.drop(ta)
    assert a.released and reg.stats()["attached"] == 0


def test_a_closed_solara_session_leaves_no_model_behind() -> None:
    """Real Solara kernel contexts, as the server makes them: pages rendered, stepped, closed;
    after the grace period the sessions and their models are gone (nothing else holds them)."""
    script = textwrap.dedent(f"""
        import gc, os, time
        os.environ["TERRISIM_APP_SCENARIO"] = {str(ROOT / "scenarios" / "baseline.toml")!r}
        import solara.server.starlette   # kernel-scoped state, as in the server
        import solara, ipyvuetify as v
        from solara.server import kernel_context, websocket
        from terrisim.app.app import Page
        from terrisim.app.sessions import registry
        from terrisim.app.state import Simulation
        from terrisim.model import TerritoryModel

        class Socket(websocket.WebsocketWrapper):
            def send_text(self, data): pass
            def send_bytes(self, data): pass
            def close(self): pass
            async def receive(self): raise websocket.WebSocketDisconnect()

        def alive():
            gc.collect()
            models = sum(isinstance(o, TerritoryModel) for o in gc.get_objects())
            sessions = sum(isinstance(o, Simulation) for o in gc.get_objects())
            return f"{{models}} {{sessions}}"

        contexts = []
        for k in range(3):
            ctx = kernel_context.initialize_virtual_kernel(f"s{{k}}", f"k{{k}}", Socket())
            with ctx:
                box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
                rc.find(v.Btn, children=["Step"]).widget.click()
            ctx.app_object = rc           # what the server does: closing the kernel unmounts it
            contexts.append(ctx)
        del box, rc
        print("open", alive(), registry.stats()["attached"])
        for ctx in contexts:
            ctx.close(reason="page-close")
        contexts.clear()
        time.sleep(1.5)
        print("closed", alive(), registry.stats()["waiting"])
        registry.reap(time.monotonic() + registry.grace + 1)
        print("freed", alive(), registry.stats()["released"])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=180, cwd=ROOT)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines()
                 if line.split(" ", 1)[0] in ("open", "closed", "freed"))
    assert lines.get("open") == "3 3 3", out.stdout + out.stderr[-2000:]
    assert lines["closed"] == "3 3 3"             # waiting for a reload: still there
    assert lines["freed"] == "0 0 3"              # models and sessions gone


# -- contrast ------------------------------------------------------------------------------------
def _rgb(hex_colour: str) -> tuple[float, float, float]:
    v = int(hex_colour.lstrip("#"), 16)
    return (v >> 16 & 255) / 255, (v >> 8 & 255) / 255, (v & 255) / 255


def _luminance(hex_colour: str) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def test_every_actor_class_stands_out_on_the_default_layer() -> None:
    """Defect: on the old default layer (mean fragility) "aware" firms, light peach, vanished.

    On the default layer (communes only: the bassins' pale tints) every marker class is drawn
    with an edge or a fill of at least 3:1 contrast against every tint (WCAG 1.4.11, non-text
    contrast), and the classes that share a shape differ clearly in fill (CIE ΔE ≥ 20)."""
    assert views.DEFAULT_LAYER == "none"
    edges = views.MARKER_EDGES
    classes = {
        **{f"firm:{k}": (v, edges["firm"]) for k, v in views.LEVEL_COLORS.items()},
        **{f"association:{k}": (v, edges["association"])
           for k, v in views.ASSOCIATION_COLORS.items()},
        **{f"mayor:{k}": (v, edges["mayor"]) for k, v in views.STAGE_COLORS.items()},
        "catalyst": (views.CATALYST_COLOR, edges["catalyst"]),
        "tiers": (views.TIERS_COLOR, edges["tiers"]),
    }
    for (name, (fill, edge)), tint in product(classes.items(), views.BASSIN_TINTS):
        assert max(contrast(fill, tint), contrast(edge, tint)) >= 3.0, (name, tint)
    for family in ("firm", "association", "mayor"):
        members = [fill for name, (fill, _) in classes.items() if name.startswith(family)]
        for a, b in combinations(members, 2):
            assert delta_e(a, b) >= 20, (family, a, b)
    # the old aware colour on the old default layer would fail the first check
    old_aware, lightened_ramp_mid = "#fdc086", "#fdd7b4"
    assert contrast(old_aware, lightened_ramp_mid) < 1.2
