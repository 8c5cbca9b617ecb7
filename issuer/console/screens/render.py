"""Rendering the console's screens through the console's own :func:`issuer.console.pages.render_now` (layout,
language, CSRF token, navigation, headers), with what every screen's template adds: the signed-in principal,
which actions its role holds, the labels of states and actions, the ``cst`` filter (province time).

The templates extend ``console/base.html``; they hold no rule. ``can(action)`` only hides buttons the
role never holds (the policy table's rows): the services still decide every request.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any, Final

from litestar import Request, Response, get

from issuer.auth.policy import POLICY, Action
from issuer.auth.principal import Principal
from issuer.batches.workflow import RowStatus, State
from issuer.console.pages import environment, language, render_now
from issuer.injected import Caller
from registry.calendar import province_minute
from registry.events import EventKind
from registry.labels import LabelledEnum
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, CertificateKind, CertificateStatus

#: Where a screen keeps the signed-in principal for the error page (an institution's "not found" is 403).
PRINCIPAL_KEY: Final = "console_principal"


_CSS: Final = (files("issuer.console") / "static" / "screens.css").read_bytes()


@get("/static/screens.css", sync_to_thread=False, cache_control=None)
def stylesheet() -> Response[bytes]:
    """The screens' style sheet (the pages' Content-Security-Policy allows no inline style)."""
    return Response(_CSS, media_type="text/css", headers={"cache-control": "public, max-age=3600"})


environment().filters["cst"] = province_minute


async def provide_staff(request: Request[Any, Any, Any], principal: Caller) -> Principal:
    """The screens' dependency ``staff``: the signed-in ``principal`` (the console session's dependency),
    also kept on the request for the refusal page, which must know the role even when a handler raised
    before it rendered anything."""
    request.state[PRINCIPAL_KEY] = principal
    return principal


#: A batch's history as staff read it (Chinese, English); the event's stable name is shown beside it, as
#: the log and ``certreg`` name it. A kind not listed shows its name only.
EVENT_LABELS: Final = {
    EventKind.BATCH_SUBMITTED: ("提交", "submitted"),
    EventKind.BATCH_RESUBMITTED: ("重新提交", "resubmitted"),
    EventKind.BATCH_CITY_REVIEWED: ("市州初审通过", "city review passed"),
    EventKind.BATCH_PROVINCE_APPROVED: ("省级复审通过", "province review passed"),
    EventKind.BATCH_REJECTED: ("退回", "returned"),
    EventKind.BATCH_NOTICE_STARTED: ("启动公示", "notice started"),
    EventKind.BATCH_OBJECTION: ("登记异议", "objection recorded"),
    EventKind.BATCH_OBJECTION_RESOLVED: ("处理暂缓的行", "held rows resolved"),
    EventKind.BATCH_ISSUED: ("发证", "issued"),
    EventKind.BATCH_ROWS_EXCLUDED: ("剔除行", "rows excluded"),
    EventKind.BATCH_ROWS_HELD: ("暂缓发证", "rows held"),
    EventKind.BATCH_DOCUMENTS: ("下载证书文件", "documents downloaded"),
    EventKind.BATCH_PHOTOS: ("上传照片", "photos stored"),
}


def _labels(lang: str) -> dict[str, Any]:
    """The label functions of the templates: a batch's state, a row's status, a kind, a certificate's status."""
    en = lang == "en"

    def kind(value: str) -> str:
        known = CertificateKind(value) if value in CertificateKind.__members__.values() else None
        return value if known is None else (KIND_LABELS_EN if en else KIND_LABELS_ZH)[known]

    def chinese(labelled: type[LabelledEnum]) -> Callable[[str], str]:
        """A status's Chinese label (the English is the wire value itself)."""

        def label(value: str) -> str:
            known = labelled(value) if value in labelled.__members__.values() else None
            return value if known is None or en else known.label_zh

        return label

    def event(value: str) -> str:
        known = EVENT_LABELS.get(EventKind(value)) if value in EventKind.__members__.values() else None
        return "" if known is None else known[1] if en else known[0]

    return {
        "event_label": event,
        "state_label": lambda value: state_label(value, lang),
        "kind_label": kind,
        "row_label": chinese(RowStatus),
        "status_label": chinese(CertificateStatus),
        "action_label": lambda a: Action(a).label_en if en else Action(a).label_zh,
    }


def state_label(state: str, lang: str) -> str:
    known = State(state) if state in State.__members__.values() else None
    if known is None:
        return state
    return known.label_en if lang == "en" else known.label_zh


def render(
    request: Request[Any, Any, Any],
    principal: Principal | None,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """The page ``console/screens/<template>`` through the console's :func:`render_now` (its layout, language,
    CSRF token, navigation and headers: ``no-store``, the CSP), with what the screens add."""
    lang = language(request)
    if principal is not None:
        request.state[PRINCIPAL_KEY] = principal

    def can(action: str) -> bool:
        return principal is not None and principal.role in POLICY[Action(action)]

    return render_now(
        request,
        f"console/screens/{template}",
        status_code=status_code,
        headers=headers,
        principal=principal,
        can=can,
        **_labels(lang),
        **context,
    )
