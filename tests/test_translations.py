"""The Chinese catalogue: complete, one translation per message, and a word that means two
things in English (Duplicate, Approve, Edit) gets its meaning's Chinese in each place."""

import subprocess
import sys
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, pgettext

BASE = Path(__file__).resolve().parent.parent


def test_the_catalogue_is_complete_and_each_message_has_one_translation():
    """The compiled .mo matches the tables (run bin/translate.py after changing them); a
    message two tables translate differently would reach the page in only one wording."""
    run = subprocess.run([sys.executable, "bin/translate.py", "--check"], cwd=BASE,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "untranslated" not in run.stdout and "two translations" not in run.stdout
    assert "unused table entry" not in run.stdout


def test_words_with_two_meanings_are_told_apart():
    from dashboard.models import Payout
    from review.models import Decision, ReviewItem

    with translation.override("zh-hans"):
        assert str(Decision.Reason.DUPLICATE.label) == "重复"  # a near-duplicate episode
        assert gettext("Duplicate") == "复制"  # the storyboard's copy of a shot
        assert str(Payout.State.APPROVED.label) == "已批准"
        assert str(ReviewItem.State.APPROVED.label) == "已通过"
        assert pgettext("payout", "Approve") == "批准" and gettext("Approve") == "通过"
        assert pgettext("keyframe instruction", "Edit") == "修改" and gettext("Edit") == "编辑"
        # makemessages had guessed this one "fuzzy" from another model's name: left out of
        # the .mo, it showed in English.
        assert gettext("Tiny keyframe edit, image-to-image (random weights: noise)") == (
            "微型关键帧编辑模型，图生图（随机权重：噪声）")
