"""Two studios racing for the same exclusive license: exactly one wins (PostgreSQL)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from creators.models import Studio, User
from library import services
from library.models import IP, License, LicenseApplication
from tests.library.conftest import TODAY, terms


def _race(*jobs):
    """Runs each job in its own thread (own connection, own transaction) after a barrier;
    returns what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                results[i] = job()
                time.sleep(0.3)  # hold the transaction open so the other overlaps it
        except Exception as error:  # noqa: BLE001 - the outcome is what we assert on
            results[i] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_exclusive_licenses_on_one_ip_exactly_one_commits(
        holder, owner, studio, outsider, other_studio, ip):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers: run by the PostgreSQL suite")
    # Through the services: the holder accepts two competing applications at once.
    first = services.apply_for_license(owner, studio, ip, today=TODAY, **terms())
    second = services.apply_for_license(outsider, other_studio, ip, today=TODAY, **terms())
    holder_id = holder.pk

    def accept(pk):
        return lambda: services.accept_application(
            User.objects.get(pk=holder_id), LicenseApplication.objects.get(pk=pk),
            today=TODAY)

    results = _race(accept(first.pk), accept(second.pk))
    assert sum(isinstance(r, License) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert License.objects.filter(ip=ip).count() == 1
    assert LicenseApplication.objects.filter(status="accepted").count() == 1

    # Straight to the table, bypassing the services: the database alone decides.
    other_ip = IP.objects.create(slug="raced", title="Raced", rights_holder=holder,
                                 kind="comic")
    studio_ids = [studio.pk, other_studio.pk]

    def insert(studio_id):
        return lambda: License.objects.create(
            ip=other_ip, studio=Studio.objects.get(pk=studio_id), **terms())

    results = _race(*(insert(pk) for pk in studio_ids))
    assert sum(isinstance(r, License) for r in results) == 1, results
    assert sum(isinstance(r, IntegrityError) for r in results) == 1, results
    assert License.objects.filter(ip=other_ip).count() == 1
