"""Outputs reach the front end as each command makes them (as Stata prints them), the model
summary before sampling starts, and the progress display says how far sampling got."""

from __future__ import annotations

from bayes_magic.session import Session

FIT = "bayes, rseed(1) mcmcsize(200) burnin(100) nodots: mixed math homework || schid:"


def _watch(s: Session) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    s.sink = lambda o: events.append(("out", o.text()))

    def factory():
        events.append(("progress", ""))
        return lambda chain, done, total: None

    s.progress_factory = factory
    return events


def test_each_command_shows_when_it_ends_and_the_model_before_sampling() -> None:
    s = Session()
    events = _watch(s)
    res = s.execute(f'use math\ndisplay "first"\n{FIT}\ndisplay "last"')
    assert res.error is None
    kinds = [k for k, _ in events]
    texts = [t for _, t in events]
    first = texts.index("first")
    summary = next(i for i, t in enumerate(texts) if "Model summary" in t)
    sampling = kinds.index("progress")
    table = next(i for i, t in enumerate(texts) if "Std. dev." in t)
    assert first < summary < sampling < table < texts.index("last")
    # the result holds every output once, the early ones included
    assert [o.text() for o in res].count(texts[summary]) == 1
    assert len(res) == kinds.count("out")


def test_a_model_refused_before_sampling_opens_no_progress() -> None:
    s = Session()
    events = _watch(s)
    res = s.execute("use math\nbayes, rseed(1): mixed math homewrk || schid:")
    assert res.error is not None and res.error.rc == 111
    assert ("progress", "") not in events
    res = s.execute("bayes, clevel(200) rseed(1): mixed math homework || schid:")
    assert res.error is not None and ("progress", "") not in events


def test_quietly_shows_nothing_early() -> None:
    s = Session()
    events = _watch(s)
    s.execute(f"use math\nquietly {FIT}")
    assert not any("Model summary" in t for _, t in events)


def test_progress_line_says_how_far_sampling_got(monkeypatch) -> None:
    import IPython.display

    from bayes_magic.frontend import WidgetProgress

    class Handle:
        def update(self, obj) -> None:
            self.text = repr(obj)

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: Handle())
    done = WidgetProgress()
    done(0, 100, 100)
    done.close()
    assert done.handle.text.startswith("Sampling done: 1 chain × 100 iterations")
    stopped = WidgetProgress()
    stopped(0, 40, 100)
    stopped(1, 30, 100)
    stopped.close()
    assert stopped.handle.text.startswith("Sampling stopped: 2 chains, 70 of 200 iterations")


def test_live_bars_have_a_plain_text_form(monkeypatch) -> None:
    """Where widgets do not render, the live display reads ``Sampling ...`` (not ``VBox()``);
    the widget view is kept for front ends that draw it."""
    import IPython.display

    from bayes_magic.frontend import WidgetProgress

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **k: shown.append(obj))
    bar = WidgetProgress()
    bundle = shown[0]._repr_mimebundle_()
    assert bundle["text/plain"] == "Sampling ..."
    assert "application/vnd.jupyter.widget-view+json" in bundle
    bar.handle = None
    bar.close()
