"""Paging what a pane hides, and the alert detail view, on a static model.

Every key press here costs milliseconds: the source is a fixed snapshot
(``console_fixture``), nothing is attached and nothing is sent.
"""

from __future__ import annotations

from tui.app.app import ConsoleApp
from tui.app.layout_view import Pane
from tui.app.panels.matrix import MatrixPanel
from tui.app.source import StaticSource

import console_fixture


def _focus(app: ConsoleApp, panel_type: type) -> object:
    for pane in app.query(Pane):
        if isinstance(pane.panel, panel_type):
            pane.focus()
            return pane.panel
    raise AssertionError(f"no {panel_type.__name__} pane in {app.layout_spec}")


async def test_brackets_page_the_matrix_hidden_columns_into_view() -> None:
    app = ConsoleApp(StaticSource(console_fixture.build()), layout="default")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.rendered()
        matrix = _focus(app, MatrixPanel)
        assert isinstance(matrix, MatrixPanel)
        await pilot.pause()
        quoting = {v for v, _ in app.source.model.instruments}
        first = set(matrix.shown_venues)
        assert matrix.col_pages > 1 and first < quoting  # too narrow for all eight
        assert "→ +" in str(matrix.border_subtitle) and "← +" not in str(matrix.border_subtitle)
        seen = set(first)
        await pilot.press("left_square_bracket")  # already on the first page: says so
        assert app.notices[-1] == ("information", "already at the start")
        for page in range(1, matrix.col_pages):
            await pilot.press("right_square_bracket")
            assert matrix.col_page == page
            shown = set(matrix.shown_venues)
            assert shown and not shown & seen  # each page brings in columns not yet seen
            seen |= shown
            note = str(matrix.border_subtitle)
            assert "← +" in note
            # Every venue not drawn is named in the border, on one side or the other.
            named = {
                n
                for part in note.split(" · ")
                if "cols: " in part
                for n in part.split("cols: ", 1)[1].split(", ")
            }
            assert named == quoting - shown, note
        assert seen == quoting
        assert "→ +" not in str(matrix.border_subtitle)
        await pilot.press("right_square_bracket")
        assert app.notices[-1] == ("information", "already at the end")
        for _ in range(matrix.col_pages - 1):
            await pilot.press("left_square_bracket")
        assert matrix.col_page == 0 and set(matrix.shown_venues) == first
