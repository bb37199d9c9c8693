"""The package as users get it: a wheel with the data, schemas and shipped model, and a
console script that does not depend on a checkout."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = out.glob("feedback-*.whl")
    return path


def test_packaging_wheel_carries_data_and_model(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "feedback/data/cx_taxonomy.toml",
        "feedback/data/domain_lexicon.tsv",
        "feedback/schemas/record.schema.json",
        "feedback/models/cx-default/model.json",
        "feedback/models/cx-default/weights.npz",
        "feedback/models/minilm-static/vectors.npy",
        "feedback/models/minilm-static/scales.npy",
        "feedback/models/minilm-static/words.txt",
        "feedback/models/minilm-static/card.json",
        "feedback/models/cx-accurate/model.json",
        "feedback/models/cx-accurate/adapters.npz",
        "feedback/report/assets/interactive.js",
        "feedback/report/assets/interactive.css",
        *(f"feedback/data/packs/{pack}.toml" for pack in ("apps", "banking", "retail", "telecom", "travel")),
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "training/", "cli.py")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "feedback = feedback.cli:cli" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_packaging_installed_wheel_runs_outside_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    sample = tmp_path / "in.csv"
    sample.write_text("comment,nps\nOn hold for an hour and the bot was useless,2\n", encoding="utf-8")
    # Run from an unrelated directory with only the installed copy importable.
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-c", "from feedback.cli import cli; cli()", "analyze", str(sample),
                           "--model", "default"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    where = subprocess.run([sys.executable, "-c", "import feedback; print(feedback.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    assert where.startswith(str(target))
    assert '"automation' in proc.stdout
    assert "rules + model cx-default" in proc.stderr
    # The HTML report reads its script and style from the installed package.
    (tmp_path / "analyzed.jsonl").write_text(proc.stdout, encoding="utf-8")
    report = subprocess.run([sys.executable, "-c", "from feedback.cli import cli; cli()", "report", "analyzed.jsonl",
                             "-o", "report.html"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert report.returncode == 0, report.stderr
    assert 'id="feedback-data"' in (tmp_path / "report.html").read_text(encoding="utf-8")
