"""scoring.allocator: after keep_freed_memory, a 16 MB block comes from glibc's heap (not a
mapping of its own) and stays there once freed, ready for the next allocation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# In a fresh process (the setting is process-wide): glibc's own count of the bytes in
# mappings of their own (hblkhd) and of the free bytes kept in its heaps (fordblks), after
# allocating 16 MB with malloc and after freeing it.
PROBE = """
import ctypes, json, sys
from scoring.allocator import keep_freed_memory
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
block = libc.malloc(16 << 20)
ctypes.memset(block, 1, 16 << 20)
held = libc.mallinfo2()
libc.free(block)
freed = libc.mallinfo2()
print(json.dumps({"kept": kept, "mapped": held.hblkhd, "free_after": freed.fordblks}))
"""


def _probe(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_blocks_stay_in_the_heap():
    default = _probe("default")
    assert default["mapped"] >= 16 << 20  # glibc's default: a mapping of its own
    assert default["free_after"] < 16 << 20  # handed back to the system when freed
    kept = _probe("keep")
    assert kept["kept"] is True
    assert kept["mapped"] < 16 << 20  # from the heap
    assert kept["free_after"] >= 16 << 20  # and kept there, free, for the next one


def test_set_once():
    from scoring.allocator import keep_freed_memory

    assert keep_freed_memory() is keep_freed_memory()
