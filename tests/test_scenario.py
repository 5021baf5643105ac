"""Scenario files: loading, inheritance, and clear errors for every kind of bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from terrisim.runner import parameters_markdown
from terrisim.scenario import Scenario, ScenarioError, load_scenario

from .conftest import ROOT, SCENARIOS


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_parameter_has_unit_range_and_meaning() -> None:
    for spec in Scenario.specs().values():
        assert spec.help and spec.unit and spec.group
        if spec.type in (int, float):
            assert spec.lo is not None and spec.hi is not None and spec.lo <= spec.hi
            assert spec.lo <= spec.default <= spec.hi, spec.name


def test_grouped_and_flat_files_and_base_inheritance(tmp_path: Path) -> None:
    base = write(tmp_path, 'name = "b"\n[trust]\ntrust_building_time = 30\n', "b.toml")
    child = write(tmp_path, 'base = "b.toml"\nname = "c"\nn_catalysts = 0\n', "c.toml")
    s = load_scenario(child)
    assert (s.name, s.trust_building_time, s.n_catalysts) == ("c", 30.0, 0)
    assert isinstance(s.trust_building_time, float)  # int in TOML, float parameter
    assert load_scenario(base).n_catalysts == Scenario().n_catalysts


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("trust_buildng_time = 12\n", "trust_buildng_time", "did you mean 'trust_building_time'"),
        ("n_firms = 'many'\n", "n_firms", "an integer from 0 to 20000000"),
        ("trust_building_time = -3\n", "trust_building_time", "from 1 to 120 months"),
        ("operator_drift = 1\n", "operator_drift", "true or false"),
        ("catalyst_origin = 'martian'\n", "catalyst_origin", '"public"'),
        ("n_catalysts = 2.5\n", "n_catalysts", "an integer"),
        ("[trust]\nn_firms = 3\n", "trust.n_firms", "belongs to table [actors]"),
        ("[weather]\nrain = 3\n", "weather", "unknown table"),
        ("n_regions = 5\nn_bassins = 2\n", "n_regions", "must not exceed n_bassins"),
        ("alliance_threshold = nan\n", "alliance_threshold", "a number"),
    ],
)
def test_bad_values_name_file_key_and_allowed(tmp_path: Path, text: str, key: str,
                                              fragment: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert str(p) in msg and f"'{key}'" in msg and fragment in msg


def write_bytes(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda d: d / "missing.toml", "file not found"),
        (lambda d: d, "is a directory"),
        (lambda d: write(d, "n_firms = = 3\n"), "is not valid TOML"),
        (lambda d: write(d, 'base = "nowhere.toml"\n'), "not found"),
        (lambda d: write(d, 'base = "s.toml"\n'), "cycle"),
        (lambda d: write_bytes(d / "bin.toml", b"\xff\xfe\x00bad"), "is a binary file"),
        (lambda d: write_bytes(d / "latin.toml", b"name = '\xe9t\xe9'\n"),
         "cannot be read (not UTF-8"),
        (lambda d: write(d, "x = " + "[" * 50_000 + "]" * 50_000 + "\n"), "nested too deeply"),
        (lambda d: write(d, "description = '" + "x" * (1 << 20) + "'\n"), "at most 1,048,576"),
        (lambda d: Path("/dev/zero"), "is a character device"),
        (lambda d: write(d, "n_firms = 3\n") / "below.toml", "a part of the path is a file"),
    ],
)
def test_unusable_files_are_reported(tmp_path: Path, setup, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(setup(tmp_path))
    assert fragment in str(err.value)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match=r"pipe\.toml: is a named pipe \(FIFO\)"):
        load_scenario(fifo)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: (d / "dir").mkdir() or "dir", "'dir' is a directory"),
        (lambda d: write_bytes(d / "b.bin", b"\x00\x01") and "b.bin", "'b.bin' is a binary"),
        (lambda d: "/dev/zero", "'/dev/zero' is a character device"),
    ],
)
def test_an_unusable_base_names_the_referencing_file_and_key(tmp_path: Path, make,
                                                             fragment: str) -> None:
    base = make(tmp_path)
    child = write(tmp_path, f'base = "{base}"\n', "child.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{child}: key 'base': ") and fragment in str(err.value)


def test_base_chains_are_bounded_and_cycles_named(tmp_path: Path) -> None:
    from terrisim.scenario import MAX_BASE_DEPTH

    for k in range(MAX_BASE_DEPTH + 5):
        write(tmp_path, f'base = "s{k + 1}.toml"\n' if k < MAX_BASE_DEPTH + 4 else "",
              f"s{k}.toml")
    with pytest.raises(ScenarioError, match=f"longer than {MAX_BASE_DEPTH}"):
        load_scenario(tmp_path / "s0.toml")
    assert load_scenario(tmp_path / "s10.toml").name == "baseline"   # 28 links: fine
    write(tmp_path, 'base = "b.toml"\n', "a.toml")
    write(tmp_path, 'base = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError,
                       match=r"cycle of base files \(a\.toml → b\.toml → a\.toml\)"):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "l1.toml").symlink_to(tmp_path / "l2.toml")
    (tmp_path / "l2.toml").symlink_to(tmp_path / "l1.toml")
    write(tmp_path, 'base = "l1.toml"\n', "c.toml")
    with pytest.raises(ScenarioError, match=r"key 'base': 'l1\.toml' cannot be resolved "
                       r"\(a loop of symbolic links\)"):
        load_scenario(tmp_path / "c.toml")


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_unreadable_file(tmp_path: Path) -> None:
    """A file its reader has no permission for.  Root reads any file, so as root the reader
    is a forked child that dropped to the unprivileged 'nobody' user: a real refusal by the
    operating system, not a simulated one."""
    p = write(tmp_path, "n_firms = 3\n")
    p.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(ScenarioError) as err:
            load_scenario(p)
        message = str(err.value)
    else:
        for d in (tmp_path, *tmp_path.parents):   # let 'nobody' reach the file
            d.chmod(d.stat().st_mode | 0o005)
            if str(d) == tempfile.gettempdir():
                break
        message = as_nobody(lambda: load_scenario(p))
    assert message == f"{p}: cannot be read (Permission denied)"


def as_nobody(fn) -> str:
    """Run ``fn`` in a forked child with the uid and gid of 'nobody'; return the message of
    the ScenarioError it raised (or what went wrong instead)."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:   # child
        os.close(read)
        try:
            os.setgid(65534)
            os.setuid(65534)
            fn()
            text = "no error"
        except ScenarioError as exc:
            text = str(exc)
        except BaseException as exc:
            text = f"unexpected {type(exc).__name__}: {exc}"
        os.write(write_end, text.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read, "rb") as fh:
        text = fh.read().decode()
    os.waitpid(pid, 0)
    return text


def test_parameters_reference_is_up_to_date() -> None:
    doc = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert doc.strip() == parameters_markdown().strip(), \
        "regenerate with: terrisim params --markdown > docs/parameters.md"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "terrisim.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_bad_scenario_is_one_line_without_traceback(tmp_path: Path) -> None:
    p = write(tmp_path, "trust_building_time = 500\n")
    r = cli("run", str(p), cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "trust_building_time" in r.stderr and "from 1 to 120" in r.stderr
    r = cli("run", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert r.returncode == 2 and "file not found" in r.stderr and "Traceback" not in r.stderr


def test_cli_run_writes_reproducible_outputs_with_provenance(tmp_path: Path) -> None:
    import json

    import pandas as pd

    from terrisim.simulate import read_parquet_metadata

    scen = SCENARIOS / "baseline.toml"
    r1 = cli("run", str(scen), "--seed", "5", "--steps", "6", "--out", "a", "--quiet",
             cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert "firms with a cross-sector partnership" in r1.stdout
    r2 = cli("run", str(scen), "--seed", "5", "--steps", "6", "--out", "b", "--quiet",
             cwd=tmp_path)
    r3 = cli("run", str(scen), "--seed", "6", "--steps", "6", "--out", "c", "--quiet",
             cwd=tmp_path)
    assert r2.returncode == r3.returncode == 0
    a = (tmp_path / "a" / "indicators.csv").read_text()
    assert a == (tmp_path / "b" / "indicators.csv").read_text()
    assert a != (tmp_path / "c" / "indicators.csv").read_text()
    df = pd.read_parquet(tmp_path / "a" / "indicators.parquet")
    assert len(df) == 7 and (df["seed"] == 5).all() and (df["scenario"] == "baseline").all()
    meta = read_parquet_metadata(tmp_path / "a" / "indicators.parquet")
    assert meta["seed"] == 5 and meta["scenario"]["steps"] == 6
    assert json.loads((tmp_path / "a" / "run.json").read_text())["seed"] == 5
    rerun = load_scenario(tmp_path / "a" / "scenario.toml")
    assert rerun.to_dict() == load_scenario(scen, {"steps": 6}).to_dict()
