"""Realistic certificates with really signed tokens, for the document and QR benches (no database).

Names are drawn from common surnames and given-name characters (2–4 characters, a few with a ``·`` as in
transliterated names), numbers follow each kind's numbering shape, levels, occupations, institutions and
issue dates vary — so token lengths and QR data vary as they do in a real batch.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from issuer.documents.model import CertificateDocument
from keys.signing import SigningKey
from registry.qrtoken import encode_token, token_url
from registry.statement import Statement, days_since_epoch, encode_statement, sign_statement
from registry.vocab import CertificateKind

PUBLIC_URL = "https://zscx.rst.example.gov.cn"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱覃武戴孔"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华红玉梅建国志文斌宇浩然子轩欣怡梓涵诗雨嘉琪博文晨阳思远婷婷"
)
OCCUPATIONS = (
    ("6-31-01-03", "电工", "维修电工"),
    ("4-03-02-01", "中式烹调师", ""),
    ("6-18-01-01", "车工", "数控车工"),
    ("4-10-01-06", "保育师", ""),
    ("6-29-01-03", "焊工", "电焊工"),
    ("4-01-02-02", "电子商务师", "跨境电商"),
)
INSTITUTIONS = (
    ("S000043000123", "长沙市第一职业技能鉴定所"),
    ("S000043000211", "湖南工贸技师学院职业技能等级认定中心"),
    ("Y000143000007", "株洲某某轨道交通装备有限公司技能等级认定站"),
)
KEY = SigningKey.from_seed(bytes(range(32)))


def _name(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return "".join(rng.choices(GIVEN, k=3)) + "·" + "".join(rng.choices(GIVEN, k=4))
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2, 2))))


def sample_documents(count: int, *, seed: int = 15, photo: bytes | None = None) -> list[CertificateDocument]:
    """``count`` skill-level certificates of one batch, each with a token signed by a fixed key."""
    rng = random.Random(seed)
    documents = []
    for index in range(count):
        code, occupation, trade = rng.choice(OCCUPATIONS)
        institution_code, institution = rng.choice(INSTITUTIONS)
        level = rng.choice((5, 4, 4, 3, 3, 2, 1))
        issued = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        number = f"{institution_code}{issued:%y}{level}{index + 1:06d}"
        name = _name(rng)
        id_number = f"4301{rng.randrange(10**13):013d}{rng.choice('0123456789X')}"
        masked = id_number[:6] + "*" * 8 + id_number[-4:]
        kind = CertificateKind.SKILL_LEVEL.statement_code
        statement = Statement(1, number, kind, name, masked, code, level, institution_code, "430000",
                              days_since_epoch(issued), KEY.kid)  # fmt: skip
        token = encode_token(encode_statement(statement), sign_statement(statement, KEY))
        documents.append(
            CertificateDocument(
                kind=CertificateKind.SKILL_LEVEL,
                number=number,
                holder_name=name,
                document_type="居民身份证",
                document_number=id_number,
                subject_name=occupation,
                subject_code=code,
                trade=trade,
                level=level,
                institution_name=institution,
                institution_code=institution_code,
                authority_name="湖南省职业技能鉴定中心",
                issued_on=issued,
                qr_url=token_url(PUBLIC_URL, token),
                query_url=PUBLIC_URL,
                print_serial=f"HN{issued:%Y}{index + 1:07d}",
                photo=photo,
            )
        )
    return documents
