"""Errors of the console: what the console router's own exception table (``issuer.console.app``) answers."""

from __future__ import annotations

from issuer.errors import Forbidden, IssuerError


class SignInRequired(IssuerError):  # noqa: N818 - named for what the user must do
    """No live session: a page answers 303 to the sign-in page (``next`` = where the user was going)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("请先登录 / please sign in")
        self.next_path = next_path


class TotpEnrolmentRequired(IssuerError):  # noqa: N818 - named for what the user must do
    """The role needs a TOTP code and the account has none yet: every page but enrolment sends it there."""


class CsrfRefused(Forbidden):
    """A form posted without this session's CSRF token (answered 403)."""

    def __init__(self) -> None:
        super().__init__(
            "表单已失效或来源不明（缺少 CSRF 令牌），请刷新页面后重试 / the form is stale or did not come from this "
            "site (no valid CSRF token): reload the page and try again"
        )
