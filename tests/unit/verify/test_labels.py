"""Every answer of the read path labels a certificate's kind and level the same way: the verdict of
``POST /v1/verify`` and a person look-up's listing once disagreed on a special-ability certificate's level 0
(``无等级 / no level`` against an empty label)."""

from __future__ import annotations

import msgspec

from verify.answers import certificate_answer
from verify.decoys import DECOY_KEYSET, decoy_view
from verify.person.render import person_certificate
from verify.schemas import certificate_info


def test_a_special_ability_certificate_has_no_level_in_both_answers() -> None:
    view = msgspec.structs.replace(decoy_view("S000043000101264000001"), kind="special_ability", level=0)
    verdict = certificate_info(view)
    listed = person_certificate(view, certificate_answer(view, DECOY_KEYSET))
    assert verdict.level_label == listed.level_label == "无等级 / no level"
    assert verdict.kind_label == listed.kind_label == "专项职业能力证书 / Special vocational ability certificate"


def test_a_skill_level_certificate_is_labelled_alike() -> None:
    view = decoy_view("S000043000101264000001")
    listed = person_certificate(view, certificate_answer(view, DECOY_KEYSET))
    assert certificate_info(view).level_label == listed.level_label == "三级/高级工 / Level 3 / Senior worker"
