"""PDFs are read in a limited child process: a PDF that takes too long or too much
memory comes back as a reason, the daemon's process is untouched, and the next PDF is
read by a fresh child."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.pdfsandbox import PdfSandbox

ADVICE = Path(__file__).resolve().parents[1] / "corpus" / "inbound" / "p-en-ruled.pdf"


def test_sandbox_reads_like_the_parser() -> None:
    """The child's reading of a PDF is the same as the in-process one."""
    from parsers import pdftext

    data = ADVICE.read_bytes()
    box = PdfSandbox(timeout=30)
    try:
        assert box.read(data) == pdftext.read(data)
        assert box.ruled(data, [0]).grids == pdftext.ruled_tables(data, [0]).grids
    finally:
        box.close()


def test_deadline_kills_the_child_and_the_next_pdf_still_reads() -> None:
    """Past the deadline the answer is a reason; the next PDF gets a new child."""
    data = ADVICE.read_bytes()
    box = PdfSandbox(timeout=0.001)
    try:
        got = box.read(data)
        assert got.problem is not None
        assert "longer than" in got.problem
        assert box.killed == 1
        box.timeout = 30
        assert box.read(data).problem is None
    finally:
        box.close()


def test_memory_limit_is_a_reason_not_a_crash() -> None:
    """A PDF beyond the child's memory budget kills only the child; we get why, and the
    next PDF is read by a fresh child."""
    data = ADVICE.read_bytes()
    box = PdfSandbox(timeout=30, memory_mb=16)
    try:
        got = box.read(data + b"%" * (64 * 1024 * 1024))
        assert got.problem is not None
        assert "memory" in got.problem
        assert box.crashed == 1
        assert box.read(data).problem is None
    finally:
        box.close()


def test_child_is_replaced_after_its_share_of_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child serves at most MAX_PDFS_PER_CHILD PDFs, then a fresh one takes over (its
    memory budget starts again); every PDF is still read."""
    from daemon import pdfsandbox

    monkeypatch.setattr(pdfsandbox, "MAX_PDFS_PER_CHILD", 2)
    data = ADVICE.read_bytes()
    box = PdfSandbox(timeout=30)
    pids = []
    try:
        for _ in range(3):
            assert box.read(data).problem is None
            assert box._proc is not None
            pids.append(box._proc.pid)
    finally:
        box.close()
    assert pids[0] == pids[1] != pids[2]
    assert (box.killed, box.crashed) == (0, 0)
