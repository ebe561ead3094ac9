"""Celery tasks of the storyboard app (thin wrappers around services)."""

from celery import shared_task

from storyboard import services


@shared_task(name="storyboard.assemble", queue="cpu")
def assemble(assembly_id: int) -> str:
    return services.run_assembly(assembly_id).state
