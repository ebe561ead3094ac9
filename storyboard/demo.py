"""Demo storyboard for `make run`: characters and a three-shot storyboard of the first
episode in lin's studio "moonlight" (idempotent)."""

from decimal import Decimal

from creators.models import Episode
from storyboard import services
from storyboard.models import Camera, Character

CHARACTERS = [("林月", "白衣少女，长发，手持长剑"), ("师父", "白须老者，青色道袍")]
SHOTS = [
    ("山门前，少女跪在雨中", Camera.CLOSE_UP, "“从今天起，你不再是我的弟子。”", ["林月", "师父"]),
    ("师父转身离去，灯笼摇晃", Camera.WIDE, "她没有抬头。", ["师父"]),
    ("少女握紧长剑，眼神坚定", Camera.MEDIUM, "“我会回来的。”", ["林月"]),
]


def load() -> None:
    episode = (Episode.objects.filter(series__studio__slug="moonlight", number=1)
               .select_related("series").order_by("id").first())
    if episode is None:
        return
    for name, description in CHARACTERS:
        if not Character.objects.filter(series=episode.series, name=name).exists():
            services.create_character(episode.series, name, description)
    board = services.storyboard_for(episode)
    if board.shots.exists():
        return
    cast = {c.name: c for c in Character.objects.filter(series=episode.series)}
    for prompt, camera, line, names in SHOTS:
        services.add_shot(board, prompt=prompt, camera=camera, dialogue=line,
                          duration=Decimal("10"), characters=[cast[n] for n in names])
