"""Errors of the issuer package: one hierarchy under :class:`IssuerError` (``issuer.issuing.errors`` and
``issuer.batches.errors`` extend it); ``issuer.http_errors`` is the one table that maps them to HTTP."""

from __future__ import annotations

from registry.errors import RegistryError

#: The fixed answer when a signing key cannot be opened or a secret setting is missing (503
#: ``keys.unavailable``): the server's fault; the exception's own text names the key file's path, this does not.
KEYS_UNAVAILABLE_MESSAGE = (
    "服务器未配置好签名所需的密钥（密钥口令缺失或错误，或证件号哈希密钥未设置），请联系运维人员 / the server is "
    "not set up to sign: the key passphrase is missing or wrong, or the ID hash key is not set; contact the "
    "operators"
)


class IssuerError(RegistryError):
    """Base class of every error the issuer raises on purpose."""


class Forbidden(IssuerError):  # noqa: N818 - named for the HTTP answer it becomes (403)
    """The caller's token may not do this; the message names the rule (which role or organisation may)."""


class InvalidInputError(IssuerError):
    """A value sent by the caller is malformed (answered 400); ``field`` names it, ``code`` is stable."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


#: The message of :class:`ReasonRequiredError` (also the example of the 400 in the OpenAPI document).
REASON_REQUIRED_MESSAGE = "必须填写原因 / a reason is required"


class ReasonRequiredError(InvalidInputError):
    """A reason left empty where one is required (rule 11: responsibility traceable): ONE refusal, 400
    ``reason.required`` with one message, on every route that takes a reason (certificate changes, identity
    reads, batch steps) and on the console's screens, so that one input error never reads two ways."""

    def __init__(self) -> None:
        super().__init__(REASON_REQUIRED_MESSAGE, field="reason", code="reason.required")


class BatchStateError(IssuerError):
    """The batch is not in a state that allows this transition (answered 409)."""


class UploadError(IssuerError):
    """An uploaded file is unusable; ``status`` is the HTTP status to answer (400, 413, 415 or 422)."""

    def __init__(self, message: str, *, status: int = 422, code: str = "upload.invalid") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
