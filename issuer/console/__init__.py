"""The staff console (issue 16): server-rendered pages under ``/console/`` for institutions, city centres
and the province centre, on the same policy and services as the API.

Who is signed in lives here (part A): staff accounts (:mod:`.accounts`), passwords (:mod:`.passwords`),
TOTP (:mod:`.totp`), sessions and the ``principal`` dependency (:mod:`.session`), the CSRF guard
(:mod:`.csrf`), sign-in limits (:mod:`.ratelimit`), page rendering (:mod:`.pages`), the user's own
password and TOTP pages (:mod:`.security`) and the router (:mod:`.app`). What they see and do is
:mod:`.screens` (part B). See docs/console.md.
"""
