"""Who signs: the issuing authority of a certificate kind for an institution (the rules' views of the
institution, its filings and the catalogue come from :mod:`registry.rule_views`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFoundError
from registry.models import Institution
from registry.rule_views import authority_view
from registry.rules.views import AuthorityView
from registry.vocab import AuthorityLevel


async def issuing_authority(session: AsyncSession, kind: str, institution: Institution) -> AuthorityView:
    """Who signs certificates of ``kind`` for ``institution``: for special-ability certificates the city
    centre of the institution's region (003 §4(1)), otherwise the institution's filing authority.

    Raises :class:`NotFoundError` when that centre is not in the registry.
    """
    if kind == "special_ability":
        code = institution.region_code[:4] + "00"
        view = await authority_view(session, code)
        if view.level is not AuthorityLevel.CITY:
            raise NotFoundError(f"没有市州鉴定中心 {code} / no city centre {code} for special-ability certificates")
        return view
    return await authority_view(session, institution.filing_authority_code)
