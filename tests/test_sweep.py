"""The sweep: it claims what is due, once, even with two sweeps at the same moment."""

import datetime as dt
import threading

import pytest
from rq import Queue
from sqlalchemy import func, select

from bot import create_app
from bot.services import services
from bot.storage.models.core import Caregiver, Child, Reminder
from bot.sweep import chunk_by_caregiver, sweep

pytestmark = pytest.mark.both_databases

NOW = dt.datetime(2025, 2, 10, 4, 30, tzinfo=dt.UTC)  # 10:00 IST


def seed(app, families: int, children_each: int = 1, due_at: dt.datetime = NOW) -> list[int]:
    """Families with children whose "due" reminders are due at ``due_at``."""
    db = services(app).db
    ids = []
    with db.session() as session:
        start = session.scalar(select(func.count()).select_from(Caregiver))
        caregivers = []
        for f in range(start, start + families):
            caregiver = Caregiver(phone=f"+9190{f:08d}", language="en", children=[])
            session.add(caregiver)
            caregivers.append(caregiver)
            for c in range(children_each):
                child = Child(name=f"Child {c}", birth_date=dt.date(2025, 1, 1), doses=[])
                caregiver.children.append(child)
        session.flush()
        for caregiver in caregivers:
            for child in caregiver.children:
                reminder = Reminder(
                    child_id=child.id,
                    caregiver_id=caregiver.id,
                    visit_date=dt.date(2025, 2, 12),
                    kind="advance",
                    codes="opv-1 penta-1",
                    send_on=dt.date(2025, 2, 10),
                    due_at=due_at,
                )
                session.add(reminder)
                session.flush()
                ids.append(reminder.id)
    return ids


def queued_ids(queue: Queue) -> list[int]:
    return [rid for job in queue.get_jobs() for rid in job.args[0]]


def test_a_sweep_claims_what_is_due_and_nothing_else(app, redis):
    due = seed(app, 5)
    seed(app, 2, due_at=NOW + dt.timedelta(days=2))
    queue = Queue("sweep-test", connection=redis)
    result = sweep(services(app), NOW - dt.timedelta(minutes=1), enqueue_to=queue)
    assert result.claimed == 0 and queue.count == 0
    result = sweep(services(app), NOW, enqueue_to=queue)
    assert result.claimed == 5
    assert sorted(queued_ids(queue)) == sorted(due)


def test_a_second_sweep_claims_nothing_until_the_claim_runs_out(app, redis):
    seed(app, 3)
    queue = Queue("sweep-test", connection=redis)
    first = sweep(services(app), NOW, enqueue_to=queue)
    assert first.claimed == 3
    assert sweep(services(app), NOW + dt.timedelta(minutes=5), enqueue_to=queue).claimed == 0
    # The claim lasts CLAIM_SECONDS (10 minutes); then the reminders are claimed again,
    # under a new token, so the first claim's job no longer owns them.
    again = sweep(services(app), NOW + dt.timedelta(minutes=11), enqueue_to=queue)
    assert again.claimed == 3 and again.token != first.token
    with services(app).db.session(write=False) as session:
        tokens = set(session.scalars(select(Reminder.claim_token)))
    assert tokens == {again.token}


def test_two_sweeps_at_once_never_claim_the_same_reminder(config, redis):
    # Two processes' worth of clients, one database; small batches so they interleave.
    config = {**config, "SWEEP_BATCH": 7, "DELIVERY_CHUNK": 3}
    apps = [create_app(config), create_app(config)]
    due = seed(apps[0], 60, children_each=2)
    queues = [Queue(f"sweep-{n}", connection=redis) for n in range(2)]
    start = threading.Barrier(2)
    results = [None, None]

    def run(n: int) -> None:
        start.wait()
        results[n] = sweep(services(apps[n]), NOW, enqueue_to=queues[n])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [queued_ids(queue) for queue in queues]
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == sorted(due)
    assert results[0].claimed + results[1].claimed == len(due)
    with services(apps[0]).db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Reminder.status == "claimed")) == len(due)
    for app in apps:
        services(app).close()


def test_chunks_never_split_a_caregiver():
    rows = [(1, 10), (2, 10), (3, 11), (4, 11), (5, 11), (6, 12)]
    assert list(chunk_by_caregiver(rows, 2)) == [[1, 2], [3, 4, 5], [6]]
