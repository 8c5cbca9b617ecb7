"""Separation of duties on a batch (docs/rules.md rule 7): no one checks their own work.

Rule 7 puts two reviews between an institution's results and their certificates — the city's first review,
then the province's — and the point of two reviews is two people. So, comparing who acted (the
``<channel>:<name>`` of the actor, whatever role it used, :attr:`Principal.who`):

- whoever submitted (or last resubmitted) a batch may not review it at the city;
- whoever reviewed it at the city may not review it at the province, nor may its submitter;
- whoever submitted it may not issue it — so no single token or operator walks a batch from upload to
  issue, not even a province admin, who holds every role's rights.

The city centre that reviewed a special-ability batch also issues it (003 §3(3), §4(1)): that is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from issuer.auth.principal import Principal, who_of
from issuer.errors import Forbidden
from registry.labels import LabelledEnum


class Step(LabelledEnum):
    """A step of a batch, labelled as what its actor did (the separation-of-duties message says who did it)."""

    SUBMIT = "submit", "提交", "submitted"
    CITY_REVIEW = "city_review", "市州初审", "reviewed at the city"
    PROVINCE_REVIEW = "province_review", "省级复审", "reviewed at the province"
    ISSUE = "issue", "发证", "issue"


_DOING: Final = {
    Step.CITY_REVIEW: ("市州初审", "review it at the city"),
    Step.PROVINCE_REVIEW: ("省级复审", "review it at the province"),
    Step.ISSUE: ("发证", "issue it"),
}

#: Step → the earlier steps whose actor may not do it.
SEPARATE_FROM: Final[dict[Step, tuple[Step, ...]]] = {
    Step.CITY_REVIEW: (Step.SUBMIT,),
    Step.PROVINCE_REVIEW: (Step.SUBMIT, Step.CITY_REVIEW),
    Step.ISSUE: (Step.SUBMIT,),
}


def require_separate(principal: Principal, step: Step, earlier: Mapping[Step, str], *, batch_id: int) -> None:
    """Raise :class:`Forbidden` (403) when ``principal`` did one of the steps ``step`` must be apart from;
    ``earlier`` maps each step done so far to its recorded actor."""
    for other in SEPARATE_FROM[step]:
        actor = earlier.get(other)
        if actor is not None and who_of(actor) == principal.who:
            did_zh, did_en = other.label_zh, other.label_en
            do_zh, do_en = _DOING[step]
            raise Forbidden(
                f"职责分离：{principal.who} 已{did_zh}批次 {batch_id}，不得再{do_zh}（规则7） / separation of duties: "
                f"{principal.who} {did_en} batch {batch_id} and may not {do_en} (rule 7)"
            )
