"""The pool's record of handed-out connections can be read (to cut them) while pool threads add to it."""

from __future__ import annotations

import threading

from cargotool.core.storage.db import open_database


class FakeConnection:
    closed = 1  # cut() leaves closed connections alone


def test_cut_all_while_threads_hand_connections_out(postgres_url):
    pool = open_database(postgres_url)
    keep = []  # strong references: the record is a WeakSet
    stop = threading.Event()

    def hand_out() -> None:
        while not stop.is_set():
            conn = FakeConnection()
            keep.append(conn)
            pool.remember(conn)

    threads = [threading.Thread(target=hand_out) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(300):
            pool.cut_all()  # raised "Set changed size during iteration" without the lock
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(pool.handed_out) == len(keep)
