"""PDFs are read in a child process with a memory limit and a deadline.

A hostile or broken PDF can make PDFium or pdfminer loop, balloon or crash; none of that
may reach the daemon. One child (spawned, so it shares no threads or locks with us) serves
every PDF in turn. It runs under RLIMIT_AS (address space: what it holds once the PDF
libraries are loaded, plus `memory_mb`) and RLIMIT_CPU (moved on before each PDF, so it
limits each PDF, not the child's life); the parent waits at most `timeout` seconds for
each answer, then kills the child and starts a new one for the next PDF. A child is
also replaced after `MAX_PDFS_PER_CHILD` PDFs. A PDF that cannot be read in time or memory comes back as a
`PdfContent` with the reason, which makes the message a review item.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import structlog

from parsers import pdftext
from parsers.pdftext import PdfContent

log = structlog.get_logger("arclerk.pdf")
#: a child is replaced after this many PDFs, so that fragmentation never eats the budget
MAX_PDFS_PER_CHILD = 200


_TINY_PDF = (b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
             b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")  # fmt: skip


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux), 0 when unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _serve(
    conn: Connection, memory_bytes: int, cpu_seconds: int
) -> None:  # pragma: no cover - runs in the child
    import resource

    # Everything the readers load lazily is loaded before the limit: the budget is the
    # PDF's, not the libraries'.
    pdftext.read(_TINY_PDF)
    pdftext.ruled_tables(_TINY_PDF, [0])
    limit = _address_space() + memory_bytes
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            op, data, pages = conn.recv()
        except (EOFError, OSError, MemoryError):
            return  # the parent is gone, or the file alone is beyond the budget
        # RLIMIT_CPU counts the whole life of the process: the soft limit is moved to
        # "what this child has used so far + one PDF's budget" before each PDF.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        with contextlib.suppress(ValueError, OSError):
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, hard))
        try:
            result = pdftext.read(data) if op == "read" else pdftext.ruled_tables(data, pages)
        except MemoryError:
            result = PdfContent(problem="PDF needs more memory than the reader is allowed")
        except Exception as exc:  # a library bug on a strange file: the reason, not a crash
            result = PdfContent(problem=f"PDF cannot be read: {type(exc).__name__}: {exc}")
        conn.send(result)


class PdfSandbox:
    """`read` and `ruled` as in parsers.pdftext, but in a limited child process."""

    def __init__(self, timeout: float = 10.0, memory_mb: int = 1024) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self.killed = 0  #: children killed for running past the deadline
        self.crashed = 0  #: children that died on a PDF (memory limit, library crash)
        self._served = 0  # PDFs the current child has read

    def read(self, data: bytes) -> PdfContent:
        return self._ask("read", data, [])

    def ruled(self, data: bytes, pages: list[int]) -> PdfContent:
        return self._ask("ruled", data, pages)

    def _start(self) -> Connection:
        alive = self._conn is not None and self._proc is not None and self._proc.is_alive()
        if alive and self._served < MAX_PDFS_PER_CHILD:
            assert self._conn is not None
            return self._conn
        self._stop()  # dead, or served enough: a fresh child with a fresh memory budget
        self._served = 0
        parent, child = self._ctx.Pipe()
        cpu = max(5, int(self.timeout * 3))
        proc = self._ctx.Process(target=_serve, args=(child, self.memory_mb * 1024 * 1024, cpu),
                                 name="arclerk-pdf", daemon=True)  # fmt: skip
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def _ask(self, op: str, data: bytes, pages: list[int]) -> PdfContent:
        with self._lock:
            conn = self._start()
            try:
                self._served += 1
                conn.send((op, data, pages))
                if conn.poll(self.timeout):
                    answer: Any = conn.recv()
                    if isinstance(answer, PdfContent):
                        return answer
            except (EOFError, OSError, BrokenPipeError):
                self.crashed += 1
                log.warning("pdf_reader_crashed", size=len(data))
                self._stop()
                return PdfContent(problem=f"PDF reader died on this file (memory limit "
                                          f"{self.memory_mb} MiB, or a crash)")  # fmt: skip
            self.killed += 1
            log.warning("pdf_reader_timeout", size=len(data), timeout=self.timeout)
            self._stop()
            return PdfContent(problem=f"PDF took longer than {self.timeout:g} s to read")

    def _stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(timeout=5)
        self._proc = self._conn = None

    def close(self) -> None:
        with self._lock:
            self._stop()
