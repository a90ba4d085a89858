"""A pool stopped while a worker is half-way through sending its result lets the process exit
(QA code review, 2026-12-05: a SIGTERMed simulate printed "terminated" and never exited: the
pool's manager thread waited for ever for the rest of a ~2 MB result from a killed worker, and
the interpreter's exit waited for that thread)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import struct, sys, time
    from concurrent.futures import ProcessPoolExecutor

    from sim.engine.replications import stop_pool


    def half_sent(_):
        # the worker's own end of the pool's result pipe: announce 10 MB, send 1 KB, stall
        result_queue = sys._getframe(1).f_locals["result_queue"]
        result_queue._writer._send(struct.pack("!i", 10_000_000) + b"x" * 1024)
        time.sleep(600)


    if __name__ == "__main__":
        pool = ProcessPoolExecutor(max_workers=2)
        futures = [pool.submit(half_sent, i) for i in range(4)]
        time.sleep(1.5)  # both workers have sent their half result; the manager reads on
        manager = pool._executor_manager_thread
        stop_pool(pool)
        manager.join(timeout=10)
        print("manager alive" if manager.is_alive() else "manager ended", flush=True)
    """
)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the script's worker reads its frame"
)
def test_a_pool_stopped_during_a_half_sent_result_lets_the_process_exit(tmp_path):
    script = tmp_path / "half_sent.py"
    script.write_text(SCRIPT, encoding="utf-8")
    try:
        res = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=40
        )
    except subprocess.TimeoutExpired as e:  # the interpreter's exit joined the stuck thread
        pytest.fail(f"the process did not exit after stop_pool: {e.stdout!r}")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "manager ended"
