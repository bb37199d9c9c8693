"""Rebuild models/cx-accurate: fine-tune all-MiniLM-L6-v2 for comment sentiment, with low-rank
adapters, on the comments cx-default learns from.

    pip install -e '.[accurate]'          # PyTorch and transformers come with the base model
    python scripts/train_accurate_model.py [--data ../shared/data] [-o models/cx-accurate]

Same data (scripts/real_training_data.py: the project's comments, the hand-labelled real ones,
the training splits of the licensed real datasets; masked as cx-default's), same seed, same
model: about 15 minutes on two CPU cores. Only the adapters (rank 8 on each layer's six
weight matrices) and a linear head over the mean-pooled output are learnt; the base weights
stay as installed, and the model records their SHA-256. Then measure it with
`MODEL=accurate python benchmarks/real_world.py` and `benchmarks/real_labelled.py`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
from real_training_data import DEFAULT_DATA, load  # noqa: E402
from train_default_model import cleaned, license_of  # noqa: E402

from feedback.model.encoder import ADAPTED, MAX_TOKENS, base_dir, file_sha256  # noqa: E402
from feedback.model.encoder_sentiment import save_encoder_sentiment  # noqa: E402

CLASSES = ("negative", "neutral", "positive")
# Chosen once on held-out real data (models/cx-accurate/README.md), never on the test splits.
RANK, ALPHA, LEARNING_RATE, EPOCHS, BATCH = 8, 16, 1e-3, 2, 32


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("-o", "--output", default=str(ROOT / "models" / "cx-accurate"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=0, help="Train on this many comments only (a smoke test).")
    args = parser.parse_args()
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        print("Training the accurate model needs PyTorch and transformers: pip install -e '.[accurate]'", file=sys.stderr)
        return 1

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    data = cleaned(load(Path(args.data), seed=args.seed))
    items = [(i.text, CLASSES.index(i.sentiment)) for i in [*data.items, *data.sentiment_only] if i.sentiment]
    if args.limit:
        items = random.Random(args.seed).sample(items, min(args.limit, len(items)))
    sources = Counter(data.source_of[i.id] for i in [*data.items, *data.sentiment_only] if i.sentiment)
    print(f"Fine-tuning on {len(items):,} comments with sentiment labels", file=sys.stderr)

    folder = base_dir()
    encoder = AutoModel.from_pretrained(str(folder))
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    for p in encoder.parameters():
        p.requires_grad = False

    class LowRank(torch.nn.Module):
        """W x + (alpha / r) B A x: A small, B zero at the start, so training starts from the base."""

        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(RANK, base.in_features) * 0.01)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, RANK))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.A.T @ self.B.T) * (ALPHA / RANK)

    adapters: dict[str, LowRank] = {}
    for n, layer in enumerate(encoder.encoder.layer):
        for name in ADAPTED:
            *path, last = name.split(".")
            parent = layer
            for part in path:
                parent = getattr(parent, part)
            adapters[f"encoder.layer.{n}.{name}"] = module = LowRank(getattr(parent, last))
            setattr(parent, last, module)
    head = torch.nn.Linear(encoder.config.hidden_size, len(CLASSES))
    params = [p for m in adapters.values() for p in (m.A, m.B)] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    steps = args.epochs * -(-len(items) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(  # 10% warm-up, then linear decay to zero
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))

    def pooled(texts: list[str]) -> torch.Tensor:
        encodings = tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings])
        hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return (hidden * m).sum(1) / m.sum(1)

    start = time.perf_counter()
    encoder.train()
    rng = random.Random(args.seed)
    for epoch in range(args.epochs):
        rng.shuffle(items)
        # Batches of similar length (sorted within shuffled runs of 20 batches): less padding.
        batches = []
        for run in range(0, len(items), BATCH * 20):
            chunk = sorted(items[run:run + BATCH * 20], key=lambda item: len(item[0]))
            batches += [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
        rng.shuffle(batches)
        total = 0.0
        for k, batch in enumerate(batches, 1):
            loss = torch.nn.functional.cross_entropy(head(pooled([t for t, _ in batch])), torch.tensor([y for _, y in batch]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if k % 50 == 0 or k == len(batches):
                print(f"epoch {epoch + 1}/{args.epochs} batch {k}/{len(batches)} loss {total / k:.3f} "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    arrays = {f"{name}.{part}": getattr(module, part).detach().numpy() for name, module in adapters.items()
              for part in ("A", "B")}
    arrays["head.weight"], arrays["head.bias"] = head.weight.detach().numpy(), head.bias.detach().numpy()
    card = {"trained_on": [{"source": s, "license": license_of(s), "comments": n} for s, n in sorted(sources.items())],
            "comments": len(items), "recipe": {"rank": RANK, "alpha": ALPHA, "learning_rate": LEARNING_RATE,
                                                "epochs": args.epochs, "batch": BATCH, "max_tokens": MAX_TOKENS,
                                                "seed": args.seed},
            "command": "python scripts/train_accurate_model.py", "train_seconds": round(time.perf_counter() - start)}
    save_encoder_sentiment(args.output, arrays, classes=CLASSES, themes_from="cx-default",
                           base_sha256=file_sha256(folder / "model.safetensors"), scale=ALPHA / RANK, card=card)
    print(f"Saved {args.output} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
