"""A WordPress export of a given size, for timing ``flask blog import-wxr`` and watching its
memory: ``python -m bench.wxr_export OUT.xml --posts 100 --comments 150 --megabytes 1.6``.

The posts are shaped like a classic-editor blog's: paragraphs separated by blank lines, a
list, a code sample, a captioned picture, a video address on its own line, tags (some of
them Chinese), threaded comments.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from tests.blog.wxr_builder import WxrComment, WxrItem, item_xml, wxr

SITE = "https://recovery-notes.example"
PARAGRAPHS = [
    "An easy run the day after a long one moves blood through tired calves better than a "
    "day on the sofa. Keep it short, keep it slow, and stop if anything sharp turns up.",
    "Foam rolling is not a race. Thirty slow seconds on each muscle, breathing out as you "
    "roll, does more than three minutes of grinding through a sore spot.",
    "Sleep is the recovery tool nobody sells. Two nights of short sleep undo a week of "
    "careful stretching, so protect the hours before a key session.",
    "A sports massage the week before a marathon should be light: it is there to loosen, "
    "not to dig. Leave the deep work for the weeks of base training.",
]
TAGS = ["Recovery", "Marathon", "Calves", "Sleep", "跑步", "恢复", "Foam rolling"]


def body(rng: random.Random, filler: int) -> str:
    parts = rng.sample(PARAGRAPHS, 3)
    parts.insert(1, "<ul>\n<li>Warm up</li>\n<li>Run easy</li>\n<li>Stretch gently</li>\n</ul>")
    parts.append("<pre>pace = distance / time\n\nif pace &gt; easy:\n    slow_down()</pre>")
    parts.append(
        '[caption id="attachment_1" width="300"]<img src="'
        f'{SITE}/wp-content/uploads/2021/04/calf-300x200.jpg" alt="Calf stretch" /> '
        "Calf stretch against a wall[/caption]"
    )
    parts.append("https://www.youtube.com/watch?v=recovery101")
    parts.extend(rng.choice(PARAGRAPHS) for _ in range(filler))
    return "\n\n".join(parts)


def export(posts: int, comments: int, megabytes: float, seed: int = 7) -> str:
    rng = random.Random(seed)
    filler = 0
    while True:
        items = []
        comment_id = 1
        per_post = [comments // posts + (1 if n < comments % posts else 0) for n in range(posts)]
        for n in range(posts):
            thread = []
            for k in range(per_post[n]):
                parent = comment_id - 1 if k % 2 else 0
                thread.append(WxrComment(comment_id, rng.choice(PARAGRAPHS), parent=parent))
                comment_id += 1
            items.append(
                WxrItem(
                    n + 1,
                    f"Recovery note {n + 1}: {rng.choice(TAGS)}",
                    content=body(rng, filler),
                    slug=f"recovery-note-{n + 1}",
                    date=f"20{10 + n % 14}-0{1 + n % 9}-1{n % 10} 07:30:00",
                    tags=rng.sample(TAGS, 3),
                    comments=thread,
                )
            )
        text = wxr(items, site=SITE)
        if len(text.encode()) >= megabytes * 1024 * 1024 or filler > 10_000:
            return text
        per_item = len(item_xml(items[0], SITE).encode()) or 1
        missing = megabytes * 1024 * 1024 - len(text.encode())
        filler += max(1, int(missing / posts / (per_item / max(filler + 6, 6))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--comments", type=int, default=150)
    parser.add_argument("--megabytes", type=float, default=1.6)
    arguments = parser.parse_args()
    text = export(arguments.posts, arguments.comments, arguments.megabytes)
    arguments.out.write_text(text, encoding="utf-8")
    print(f"{arguments.out}: {len(text.encode()) / 1024 / 1024:.2f} MB")


if __name__ == "__main__":
    main()
