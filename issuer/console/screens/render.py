"""Rendering the console's screens: one Jinja2 environment (autoescaped, strict), the language of the page and
what every screen's template gets (the signed-in principal, the CSRF token, which actions its role holds).

The templates extend H2's ``console/base.html``; they hold no rule. ``can(action)`` only hides buttons the
role never holds (the policy table's rows): the services still decide every request.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency

from issuer.auth.policy import ACTION_LABELS, POLICY, Action
from issuer.auth.principal import Principal
from issuer.auth.roles import ROLE_LABELS_ZH
from issuer.batches.workflow import STATE_LABELS_ZH, State
from issuer.console.session import csrf_token
from registry.calendar import province_minute

LANGS: Final = ("zh", "en")
#: Where a screen keeps the signed-in principal for the error page (an institution's "not found" is 403).
PRINCIPAL_KEY: Final = "console_principal"


_CSS: Final = (files("issuer.console") / "static" / "screens.css").read_bytes()


@get("/static/screens.css", sync_to_thread=False, cache_control=None)
def stylesheet() -> Response[bytes]:
    """The screens' style sheet (the pages' Content-Security-Policy allows no inline style)."""
    return Response(_CSS, media_type="text/css; charset=utf-8", headers={"cache-control": "public, max-age=3600"})


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("issuer.console", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cst"] = province_minute
    return env


async def provide_staff(request: Request[Any, Any, Any], principal: NamedDependency[Principal]) -> Principal:
    """The screens' dependency ``staff``: the signed-in ``principal`` (the console session's dependency),
    also kept on the request for the refusal page, which must know the role even when a handler raised
    before it rendered anything."""
    request.state[PRINCIPAL_KEY] = principal
    return principal


def lang_of(request: Request[Any, Any, Any]) -> str:
    """``?lang=`` first, then the ``lang`` cookie the base layout keeps; Chinese unless English is asked."""
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return asked if asked in LANGS else "zh"


def state_label(state: str, lang: str) -> str:
    known = State(state) if state in State.__members__.values() else None
    if known is None:
        return state
    return known.value.replace("_", " ") if lang == "en" else STATE_LABELS_ZH[known]


def render(
    request: Request[Any, Any, Any],
    principal: Principal | None,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """The page ``console/screens/<template>`` with the common context; ``no-store``: staff pages hold
    personal data (masked) and must not sit in a shared cache."""
    lang = lang_of(request)
    if principal is not None:
        request.state[PRINCIPAL_KEY] = principal

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    def can(action: str) -> bool:
        return principal is not None and principal.role in POLICY[Action(action)]

    page = (
        environment()
        .get_template(f"console/screens/{template}")
        .render(
            request=request,
            principal=principal,
            role_zh=ROLE_LABELS_ZH[principal.role] if principal else "",
            lang=lang,
            t=t,
            can=can,
            csrf=csrf_token(request) if principal is not None else "",
            state_label=lambda s: state_label(s, lang),
            action_label=lambda a: ACTION_LABELS[Action(a)][1 if lang == "en" else 0],
            **context,
        )
    )
    return Response(
        page,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
