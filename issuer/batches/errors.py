"""Errors of the batch services that :mod:`issuer.errors` has no class for."""

from __future__ import annotations

from issuer.errors import BatchStateError, IssuerError


class BatchRequestError(IssuerError):
    """A well-formed request the batch cannot take (row numbers it does not hold, a notice shorter than the
    minimum): answered 422 with its stable ``code`` (:mod:`issuer.http_errors`)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class SameUploadError(BatchStateError):
    """This very file already made a live batch (any state but ``rejected``) for the same institution, kind
    and assessment date: a retry, a double click, not a second session of the same people. Answered 409
    ``batch.same_upload`` naming that batch (and nothing of the file's rows); the console shows the batch
    instead. Re-uploading on purpose needs the first batch returned (rejected) first (docs/batches.md)."""

    code = "batch.same_upload"

    def __init__(self, batch_id: int) -> None:
        super().__init__(
            f"此文件已上传为批次 {batch_id}（同一机构、证书类别与考核日期），未再次导入；"
            "确需重新导入，须先由审核退回该批次"
            f" / this file was already uploaded as batch {batch_id} (same institution, kind and assessment date) "
            "and was not imported again; to import it anew, that batch must first be returned by a reviewer"
        )
        self.batch_id = batch_id
