"""Parsing benchmarks (run by tests/bench/run.py in a process of its own; prints JSON).

7. `parse` + `classify` over a mixed corpus: tests/corpus/inbound's messages (notifications,
   replies, bounces, auto-replies, hostile mail; without PDFs) and the shared sisimai
   corpus, each message parsed `--rounds` times; messages per second, and the slowest
   single message.
8. remittance PDFs: arclerk's reading (pypdfium2 text with positions, table finding) per
   page, in-process and through the sandbox, next to `pdftotext -layout` (poppler, one
   process per file as it is used) on the same text PDFs.
9. a mutation fuzz run: corpus messages and PDFs with random bytes cut, replaced and
   inserted (a fixed seed), through `parse` and the sandboxed PDF reader: exceptions
   (must be none) and the slowest input.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from daemon.pdfsandbox import PdfSandbox
from parsers import parse, pdftext, remittance
from rules.classify import SenderInfo, classify
from rules.loader import load

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "inbound"
SHARED = ROOT.parent / "shared" / "corpus" / "sisimai"


def messages() -> list[bytes]:
    out = []
    for p in sorted(CORPUS.glob("*.eml")):
        raw = p.read_bytes()
        if b"application/pdf" not in raw and b"ms-tnef" not in raw:
            out.append(raw)
    out += [p.read_bytes() for p in sorted(SHARED.glob("*.eml"))]
    return out


def bench_messages(rounds: int) -> dict[str, object]:
    rules = load(None)
    sender = SenderInfo(is_customer=True, in_thread=False)
    corpus = messages()
    slowest = 0.0
    start = time.perf_counter()
    for _ in range(rounds):
        for raw in corpus:
            t = time.perf_counter()
            classify(parse(raw), sender, rules, "mx.example.com")
            slowest = max(slowest, time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    n = rounds * len(corpus)
    return {"messages": n, "distinct": len(corpus), "seconds": round(elapsed, 2),
            "per_s": round(n / elapsed), "slowest_ms": round(slowest * 1000, 1)}  # fmt: skip


def text_pdfs() -> list[tuple[str, bytes, int]]:
    out = []
    for p in sorted(CORPUS.glob("p-*.pdf")):
        data = p.read_bytes()
        content = pdftext.read(data)
        if content.problem is None:
            out.append((p.name, data, content.pages))
    return out


def bench_pdfs(rounds: int) -> dict[str, object]:
    pdfs = text_pdfs()
    pages = sum(n for _, _, n in pdfs) * rounds

    def timed(fn: object) -> float:
        start = time.perf_counter()
        for _ in range(rounds):
            for name, data, _ in pdfs:
                fn(name, data)  # type: ignore[operator]
        return time.perf_counter() - start

    ours = timed(lambda name, data: remittance.read(name, data))
    box = PdfSandbox(timeout=30)
    box.read(pdfs[0][1])  # the child's start-up is paid once per daemon, not per PDF
    try:
        sandboxed = timed(lambda name, data: remittance.read(name, data, reader=box.read,
                                                              ruled=box.ruled))  # fmt: skip
    finally:
        box.close()
    result: dict[str, object] = {
        "files": len(pdfs), "pages": pages,
        "arclerk_ms_per_page": round(ours * 1000 / pages, 2),
        "arclerk_sandboxed_ms_per_page": round(sandboxed * 1000 / pages, 2),
    }  # fmt: skip
    tool = shutil.which("pdftotext")
    if tool:
        tmp = Path("/tmp/arclerk-bench-pdf")
        tmp.mkdir(exist_ok=True)
        files = []
        for name, data, _ in pdfs:
            (tmp / name).write_bytes(data)
            files.append(tmp / name)

        def poppler(name: str, data: bytes) -> None:
            subprocess.run([tool, "-layout", str(tmp / name), "-"], capture_output=True, check=True)

        ref = timed(poppler)
        result |= {"pdftotext_ms_per_page": round(ref * 1000 / pages, 2),
                   "ratio": round(ours / ref, 2)}  # fmt: skip
    per_file = []
    for name, data, n in pdfs:
        t = [0.0] * 3
        for k in range(3):
            s = time.perf_counter()
            remittance.read(name, data)
            t[k] = time.perf_counter() - s
        per_file.append((name, n, round(statistics.median(t) * 1000, 1)))
    result["per_file_ms"] = per_file
    return result


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not out:
            break
        at = rng.randrange(len(out))
        out[at : at + rng.randint(0, 64)] = rng.randbytes(rng.randint(0, 64))
    return bytes(out)


def bench_fuzz(inputs: int) -> dict[str, object]:
    rng = random.Random(20261201)  # noqa: S311 - reproducible mutations, not secrets
    mails = messages()
    pdfs = [data for _, data, _ in text_pdfs()]
    errors: list[str] = []
    slowest = (0.0, "")
    box = PdfSandbox(timeout=10)
    try:
        for i in range(inputs):
            is_pdf = i % 5 == 0
            raw = _mutate(rng, rng.choice(pdfs) if is_pdf else rng.choice(mails))
            t = time.perf_counter()
            try:
                if is_pdf:
                    remittance.read("fuzz.pdf", raw, reader=box.read, ruled=box.ruled)
                else:
                    parse(raw)
            except Exception as exc:  # the finding this run exists for
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            took = time.perf_counter() - t
            if took > slowest[0]:
                slowest = (took, "pdf" if is_pdf else "mail")
    finally:
        box.close()
    return {"inputs": inputs, "exceptions": len(errors), "first_errors": errors[:5],
            "slowest_ms": round(slowest[0] * 1000, 1), "slowest_kind": slowest[1],
            "sandbox_kills": box.killed, "sandbox_crashes": box.crashed}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--fuzz", type=int, default=3000)
    args = ap.parse_args()
    print(json.dumps({"messages": bench_messages(args.rounds), "pdfs": bench_pdfs(args.rounds),
                      "fuzz": bench_fuzz(args.fuzz)}))  # fmt: skip


if __name__ == "__main__":
    main()
