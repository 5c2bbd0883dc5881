"""The Dask cluster of a sweep: a local one sized to the machine, or an existing scheduler.

``local_cluster()`` starts worker *processes* (one per core, one thread each) whose
environment has ``NUMBA_NUM_THREADS=1`` before anything imports Numba, so that every run
is serial and the runs of a sweep share the cores without oversubscription. Workers of an
existing cluster (``--scheduler tcp://host:port``) are started by whoever runs them; give
them the same environment (``NUMBA_NUM_THREADS=1 dask worker ADDRESS --nthreads 1``).
"""

from contextlib import contextmanager

WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
# Scheduler and worker settings of the local cluster:
# * worker-saturation 1.0: a worker holds only the task it runs (by default the scheduler
#   queues a second one on it, and a worker that dies then counts against both);
# * a compiled chunk of a run holds the GIL for about 2 s and a cold Numba compilation for
#   much longer, so the workers' event loops are busy by design: no warnings about it.
CLUSTER_CONFIG = {"distributed.scheduler.worker-saturation": 1.0,
                  "distributed.admin.tick.limit": "120s"}


def cpu_count():
    """Cores available to this process (affinity masks and cgroup limits counted)."""
    from dask.system import CPU_COUNT

    return CPU_COUNT


def local_cluster(n_workers=None, dashboard_address=":8787", **kwargs):
    """A ``distributed.LocalCluster`` of ``n_workers`` (default: the cores) worker
    processes with one thread and one Numba thread each."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(CLUSTER_CONFIG):
        return LocalCluster(n_workers=n_workers or cpu_count(), threads_per_worker=1,
                            processes=True, env=dict(WORKER_ENV),
                            dashboard_address=dashboard_address, **kwargs)


def dashboard_note():
    """Empty if the dashboard can be served, else what to install."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return " (install bokeh>=3.1 to serve it)"
    return ""


@contextmanager
def sweep_client(scheduler=None, n_workers=None, log=print):
    """A ``distributed.Client``: on ``scheduler`` (an address ``tcp://host:port`` or a
    cluster object, e.g. dask-jobqueue's ``SLURMCluster``), or on a new local cluster that
    is closed on exit."""
    from distributed import Client

    cluster = None
    if scheduler is None:
        cluster = local_cluster(n_workers)
        client = Client(cluster)
        n = len(cluster.workers)
        log(f"local Dask cluster: {n} worker process{'es' if n != 1 else ''} x 1 thread "
            f"(NUMBA_NUM_THREADS=1); dashboard {client.dashboard_link}{dashboard_note()}")
    else:
        client = Client(scheduler)
        address = getattr(scheduler, "scheduler_address", scheduler)
        n = len(client.scheduler_info().get("workers", {}))
        log(f"Dask scheduler {address}: {n} worker{'s' if n != 1 else ''} now; dashboard "
            f"{client.dashboard_link}")
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
