"""``GET /metrics``: Prometheus text of this worker's metrics (see :mod:`verify.metrics`)."""

from __future__ import annotations

from litestar import Controller
from litestar.di import NamedDependency

from verify.http.head import get
from verify.http.responses import RawResponse
from verify.metrics import CONTENT_TYPE
from verify.runtime import VerifyRuntime


class MetricsController(Controller):
    include_in_schema = False

    @get("/metrics")
    async def metrics(self, runtime: NamedDependency[VerifyRuntime]) -> RawResponse:
        return RawResponse(
            200, runtime.metrics.render(), [(b"content-type", CONTENT_TYPE), (b"cache-control", b"no-store")]
        )
