"""The pool's record of handed-out connections can be read (to cut them) while pool threads add to it."""

from __future__ import annotations

import collections
import threading

from cargotool.core.storage.db import open_database


class FakeConnection:
    closed = 1  # cut() leaves closed connections alone


def test_cut_all_while_threads_hand_connections_out(postgres_url):
    pool = open_database(postgres_url)
    added = []

    def hand_out() -> None:
        alive = collections.deque(maxlen=2000)  # strong references: the record is a WeakSet
        for _ in range(200000):
            conn = FakeConnection()
            alive.append(conn)
            pool.remember(conn)
        added.append(len(pool.handed_out) >= len(alive))

    threads = [threading.Thread(target=hand_out) for _ in range(2)]
    for thread in threads:
        thread.start()
    cuts = 0
    while any(thread.is_alive() for thread in threads):
        pool.cut_all()  # raised "Set changed size during iteration" without the lock
        cuts += 1
    for thread in threads:
        thread.join()
    assert added == [True, True] and cuts > 0
