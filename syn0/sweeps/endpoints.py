"""``/v1/sweeps``: start a sweep (checked, committed, its first trials sent), read it with
its leaderboard, list, cancel, and register its best model."""

from __future__ import annotations

from fastapi import APIRouter, Response

from syn0.api.deps import DispatchDep, PageDep, SessionDep, SettingsDep
from syn0.jobs import service as job_service
from syn0.kit.schemas import Page, keyed
from syn0.registry import service as registry
from syn0.registry.schemas import RegisteredIn, VersionOut
from syn0.sweeps import repository as store
from syn0.sweeps import service, views
from syn0.sweeps.schemas import RegisterIn, SweepDetail, SweepIn, SweepOut
from syn0.tenants.auth import TrainKey

router = APIRouter(prefix="/v1/sweeps", tags=["sweeps"])


@router.post("", status_code=202, responses=keyed(413, 422, 429))
def create_sweep(
    body: SweepIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    dispatch: DispatchDep,
    principal: TrainKey,
) -> SweepDetail:
    """Check every parameter path and domain against the dataset (each grid point, a
    random domain's two ends: 422 naming the path and the value, nothing stored), commit
    the sweep with its first ``max_parallel`` trials, then send them. Each trial that
    ends makes and sends the next one."""
    sweep, trials = service.create(session, principal.tenant_id, body, settings)
    session.commit()
    for job in trials:
        job_service.send(dispatch, job)
    response.headers["Location"] = f"/v1/sweeps/{sweep.id}"
    return views.detail(session, sweep)


@router.get("", responses=keyed(422))
def list_sweeps(session: SessionDep, page: PageDep, principal: TrainKey) -> Page[SweepOut]:
    """Newest first, each with its progress and best trial so far."""
    rows, next_cursor = store.list_sweeps(session, principal.tenant_id, page.limit, page.cursor)
    return Page[SweepOut](items=views.summaries(session, rows), next_cursor=next_cursor)


@router.get("/{sweep_id}", responses=keyed(404))
def get_sweep(sweep_id: str, session: SessionDep, principal: TrainKey) -> SweepDetail:
    """Status, progress, the best trial and its model, and the leaderboard: each trial's
    parameters, metric, epochs and status, best first."""
    return views.detail(session, service.get(session, principal.tenant_id, sweep_id))


@router.post("/{sweep_id}/cancel", responses=keyed(404, 409))
def cancel_sweep(sweep_id: str, session: SessionDep, principal: TrainKey) -> SweepDetail:
    """End the sweep as ``cancelled``: its queued trials are cancelled at once, its
    running ones stop at their next batch. A finished sweep is a 409."""
    sweep = service.cancel(session, principal.tenant_id, sweep_id)
    session.commit()
    return views.detail(session, sweep)


@router.post("/{sweep_id}/register", status_code=201, responses=keyed(404, 409, 422))
def register_best(
    sweep_id: str, body: RegisterIn, session: SessionDep, principal: TrainKey
) -> VersionOut:
    """Register the model of the sweep's best succeeded trial (so far, while it runs) as
    the next version of ``name``, creating the name if it is new. 409 while no trial
    has succeeded, or when that model is already a version of the name."""
    sweep = service.get(session, principal.tenant_id, sweep_id)
    model_id = service.best_model_id(session, sweep)
    registry.put(session, principal.tenant_id, body.name, RegisteredIn())
    out = registry.register(session, principal, body.name, model_id)
    session.commit()
    return out
