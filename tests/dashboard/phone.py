"""Measures, in the real browser, whether a table's last column can be read on a phone:
its cells lie inside the viewport, either as laid out or once their own scrolling box
(never the page) is scrolled to them."""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# For every table matching the selector: whether the page scrolls sideways, and for each
# row's last (non-empty) cell where it lies as laid out and, if it lies outside the viewport, in which
# scrolling box, and where it lies once that box is scrolled to it.
MEASURE = """(selector) => {
  const vw = document.documentElement.clientWidth;
  const inside = r => r.width > 0 && r.left >= -0.5 && r.right <= vw + 0.5;
  const scroller = el => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (["auto", "scroll"].includes(s.overflowX) && e.scrollWidth > e.clientWidth) return e;
    }
    return null;
  };
  return [...document.querySelectorAll(selector)].map((table, i) => {
    // Each row's last cell with something in it: an empty one (an accepted import's
    // errors, an on-time line's "late" badge) has nothing to read.
    const cells = [...table.rows].map(r => [...r.cells].filter(c => c.textContent.trim()).pop())
      .filter(c => c);
    const out = {table: table.id || table.className + "#" + i, vw,
                 pageScrollsSideways: document.documentElement.scrollWidth > vw,
                 cells: cells.length, laidOut: [], reached: [], unreachable: []};
    cells.forEach((cell, n) => {
      const r = cell.getBoundingClientRect();
      if (inside(r)) { out.laidOut.push(n); return; }
      const box = scroller(cell);
      if (!box || !inside(box.getBoundingClientRect())) {
        out.unreachable.push([n, Math.round(r.left), Math.round(r.right)]); return;
      }
      const before = box.scrollLeft;
      box.scrollLeft += r.right - box.getBoundingClientRect().right;
      const after = cell.getBoundingClientRect();
      (inside(after) ? out.reached : out.unreachable).push(
        inside(after) ? n : [n, Math.round(after.left), Math.round(after.right)]);
      box.scrollLeft = before;
    });
    return out;
  });
}"""


def measure(page, selector="table.data"):
    return page.evaluate(MEASURE, selector)


def assert_last_column_readable(page, selector="table.data", without_scrolling=()):
    """Every table's last column lies inside the viewport or in a box that scrolls to it;
    the page never scrolls sideways; the tables named in without_scrolling (or all of
    them: "all") need no scrolling at all."""
    tables = measure(page, selector)
    assert tables, f"no {selector} on {page.url}"
    for t in tables:
        where = (page.url, t)
        assert not t["pageScrollsSideways"], where
        assert t["cells"] and not t["unreachable"], where
        if without_scrolling == "all" or t["table"] in without_scrolling:
            assert not t["reached"], where
    return tables
