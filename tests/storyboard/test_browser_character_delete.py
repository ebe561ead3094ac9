"""Deleting a character in Chromium asks first, saying that its shots stay without it:
dismissed, nothing happens; accepted, the character goes and its shot stays."""

import pytest
from django.urls import reverse

from storyboard import services
from storyboard.models import Character, Shot
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_deleting_a_character_asks_first(transactional_db, asgi_server, page, owner, board):
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女")
    shot = services.add_shot(board, prompt="竹林", characters=[lin])
    browser_login(page.context, owner, asgi_server.url)
    page.goto(asgi_server.url + reverse("storyboard:characters",
                                        args=[series.studio.slug, series.slug]))
    questions = []

    def answer(accept):
        def on_dialog(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return on_dialog

    dismiss = answer(False)
    page.once("dialog", dismiss)
    page.get_by_test_id("character-delete").click()
    page.wait_for_timeout(500)
    assert questions == ["删除角色“林月”及其参考图？使用它的 1 个镜头会保留，文字和关键帧不变，"
                         "但不再关联这个角色。"]
    assert Character.objects.filter(pk=lin.pk).exists()

    page.once("dialog", answer(True))
    page.get_by_test_id("character-delete").click()
    page.get_by_text("已删除角色“林月”；1 个镜头不再关联它。").wait_for()
    assert not Character.objects.filter(pk=lin.pk).exists()
    assert Shot.objects.filter(pk=shot.pk, prompt="竹林").exists()
    assert page.get_by_test_id("character").count() == 0
