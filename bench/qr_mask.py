"""Is one fixed QR data mask safe for our URLs? Penalty scores of all eight masks over real tokens.

ISO/IEC 18004 §7.8.3 picks, per symbol, the mask with the lowest penalty score (long runs, 2×2 blocks,
finder-like patterns, dark/light imbalance): what makes a symbol harder to scan. Trying all eight is most
of the time segno spends on a code. For ``--count`` realistic certificate URLs (``bench/samples.py``:
version 10–11, error correction M) this scores every mask with segno's own evaluator, and reports per mask
the ratio of its score to the best mask's (median, 95th percentile, worst) and how often it *is* the best.
Every symbol of the chosen mask is also drawn small (2 px a module, the size of a phone photo of a printed
code) and read back with zxing-cpp. The last line is one JSON object with the chosen mask and its figures.
Run: ``.venv/bin/python -m bench.qr_mask [--count 400]``.
"""

from __future__ import annotations

import io
import json
import statistics
from collections.abc import Sequence

import zxingcpp
from PIL import Image
from segno.encoder import evaluate_mask

from bench.flags import bench_parser
from bench.samples import sample_documents
from issuer.qr import FIXED_MASK, make_code, png_from_matrix

BEST = -1  # the per-symbol best mask, as segno picks it


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], count=400)
    parser.add_argument("--seed", type=int, default=2, help="another seed is another sample of certificates")
    args = parser.parse_args()
    urls = [document.qr_url for document in sample_documents(args.count, seed=args.seed)]
    ratios: dict[int, list[float]] = {mask: [] for mask in range(8)}
    best_counts = dict.fromkeys(range(8), 0)
    unread = dict.fromkeys([*range(8), BEST], 0)
    versions: set[int] = set()
    for url in urls:
        scores = {}
        for mask in range(8):
            code = make_code(url, mask=mask)
            versions.add(int(code.version))
            scores[mask] = evaluate_mask(code.matrix, len(code.matrix), len(code.matrix))  # type: ignore[no-untyped-call]
            unread[mask] += not _reads(code.matrix, url)
        best = min(scores.values())
        best_mask = min(scores, key=scores.__getitem__)
        best_counts[best_mask] += 1
        unread[BEST] += not _reads(make_code(url).matrix, url)
        for mask, score in scores.items():
            ratios[mask].append(score / best)
    print(
        f"{len(urls)} URLs, QR versions {sorted(versions)}, error correction M; unread = not read back at 2 px a module"
    )
    print(f"{'mask':>6} {'median':>8} {'p95':>8} {'worst':>8} {'is best':>8} {'unread':>7}")
    for mask in range(8):
        values = ratios[mask]
        print(f"{mask:>6} {statistics.median(values):>8.3f} {_quantile(values, 0.95):>8.3f} {max(values):>8.3f} "
              f"{best_counts[mask]:>8} {unread[mask]:>7}")  # fmt: skip
    print(f"{'best':>6} {1:>8.3f} {1:>8.3f} {1:>8.3f} {len(urls):>8} {unread[BEST]:>7}")
    chosen = min(range(8), key=lambda mask: (unread[mask], _quantile(ratios[mask], 0.95), max(ratios[mask])))
    print(f"fewest unread, then lowest p95 ratio: mask {chosen}; shipped FIXED_MASK = {FIXED_MASK}")
    figures = ratios[FIXED_MASK]
    result = {
        "fixed_mask": FIXED_MASK,
        "chosen_by_measure": chosen,
        "median_ratio": round(statistics.median(figures), 3),
        "p95_ratio": round(_quantile(figures, 0.95), 3),
        "worst_ratio": round(max(figures), 3),
        "unread_fixed": unread[FIXED_MASK],
        "unread_best_mask": unread[BEST],
        "count": len(urls),
    }
    print(json.dumps(result))


def _reads(matrix: Sequence[Sequence[int]], url: str) -> bool:
    image = Image.open(io.BytesIO(png_from_matrix(matrix, scale=2))).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(image)] == [url]


if __name__ == "__main__":
    main()
