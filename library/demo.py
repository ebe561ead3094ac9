"""Demo data of the library: a few IPs listed by zhwx (the demo rights holder), with tags,
a license for moonlight and an application from bamboo waiting for an answer. Idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from creators.models import Studio, User
from library import services
from library.models import IP, License, LicenseApplication

IPS = [
    # slug, title, author, kind, tags, exclusive offered, share, MG, synopsis
    ("shusheng-xiuxian", "书生修仙传", "青衫客", "novel", ["玄幻", "修仙"], True, "0.30",
     "5000.00", "落第书生误入仙门，以一卷残书问道长生。"),
    ("dushi-zhizun-xitong", "都市至尊系统", "烽火戏侯", "novel", ["都市异能", "系统"], True,
     "0.35", "8000.00", "外卖小哥绑定至尊系统，每送一单都有奖励。"),
    ("moshi-jiayuan", "末世家园", "北境", "comic", ["末日", "系统"], False, "0.25", "0.00",
     "丧尸围城的第七天，她在天台种出了第一颗土豆。"),
    ("fengxing-nvdi", "凤行女帝", "月下梨花", "novel", ["女频", "宫斗"], True, "0.30",
     "3000.00", "冷宫弃妃一步步走上女帝之位。"),
    ("shanhai-yiwenlu", "山海异闻录", "manju原创", "script", ["玄幻", "悬疑"], True, "0.20",
     "0.00", "原创剧本：少年画师笔下的山海异兽一一成真。"),
]


def load() -> None:
    holder = User.objects.filter(username="zhwx").first()
    if holder is None:
        return
    for slug, title, author, kind, tags, exclusive, share, mg, synopsis in IPS:
        if IP.objects.filter(slug=slug).exists():
            continue
        services.create_ip(holder, slug=slug, title=title, original_author=author, kind=kind,
                           tags=tags, exclusive_allowed=exclusive,
                           licensor_share=Decimal(share), minimum_guarantee=Decimal(mg),
                           synopsis=synopsis)
    today = timezone.localdate()
    moonlight = Studio.objects.filter(slug="moonlight").first()
    ip = IP.objects.get(slug="shusheng-xiuxian")
    if moonlight and not License.objects.filter(ip=ip).exists():
        services.grant_license(ip, moonlight, exclusive=True,
                               starts_on=today - datetime.timedelta(days=340),
                               ends_on=today + datetime.timedelta(days=20),
                               licensor_share=Decimal("0.30"),
                               minimum_guarantee=Decimal("5000.00"))
    bamboo = Studio.objects.filter(slug="bamboo").first()
    wanted = IP.objects.get(slug="dushi-zhizun-xitong")
    if bamboo and not LicenseApplication.objects.filter(ip=wanted, studio=bamboo).exists():
        applicant = bamboo.memberships.select_related("user").first().user
        services.apply_for_license(
            applicant, bamboo, wanted, exclusive=False, starts_on=today,
            ends_on=today + datetime.timedelta(days=364), licensor_share=Decimal("0.30"),
            minimum_guarantee=Decimal("6000.00"), note="想做成 3D 精品漫剧。")
