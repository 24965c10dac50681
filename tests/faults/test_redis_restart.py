"""Redis restarts under a busy worker: the worker process lives on, reconnects with
backoff, and sends what the next sweep finds. Real processes: a Redis server of the
test's own (stopped and started again on its port), an RQ worker, the real twilio client
and a local Twilio-like server."""

from __future__ import annotations

import signal
import subprocess
import time

from redis import Redis
from rq import Queue

from bot import create_app
from bot.services import services
from bot.sweep import sweep
from scheduler import clock
from scripts.services import free_port, redis_server
from tests.conftest import sending_through
from tests.support import FLASK, ROOT, SmsPhone, at, process_env

NUMBER = "+919812345678"


def test_a_busy_worker_outlives_a_redis_restart(config, fake, web_port):
    port = free_port()
    worker = None
    with redis_server(port) as url:
        settings = {**sending_through(config, fake, web_port), "REDIS_URL": url}
        app = create_app(settings)
        phone = SmsPhone(
            app.test_client(), NUMBER, settings["TWILIO_AUTH_TOKEN"], settings["PUBLIC_BASE_URL"]
        )
        with clock.frozen("2025-01-20T10:00"):
            phone.send("REG Asha 1/1/2025 226001")
            phone.send("DONE 1/1")
        worker = subprocess.Popen(
            [FLASK, "--app", "bot", "worker"],
            cwd=ROOT,
            env=process_env(settings, TIKA_NOW="2025-02-11T10:00:30+05:30"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Busy: a job that takes a few seconds, while Redis goes away under it.
        Queue("tika", connection=Redis.from_url(url)).enqueue("time.sleep", 3)
        time.sleep(1.5)
    try:
        time.sleep(3)  # Redis is down; the job ends and cannot say so
        assert worker.poll() is None, worker.stdout.read()
        with redis_server(port):  # back, and empty: the queued work was lost with it
            tika = services(app)
            # The sweep finds the advance reminder (the database knows it) and queues it.
            assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 1
            deadline = time.monotonic() + 60
            while not fake.messages and time.monotonic() < deadline:
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.2)
            assert [m["to"] for m in fake.messages] == [NUMBER]
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        services(app).close()
    assert worker.returncode == 0, output
    assert "working again in" in output  # it waited for Redis, and went on
