"""``bayes: mixed``, ``bayesmh`` and their replays ([BAYES] bayes, [BAYES] bayesmh).

Both commands build a :class:`~bayes_magic.spec.bayes.BayesLinearModel`, run the shared sampler
through :func:`~bayes_magic.commands.bayes_run.estimate`, and store a
:class:`~bayes_magic.posterior.Posterior` as the current estimation results. ``bayes`` or
``bayesmh`` alone replays the last results with the reporting options given now (``hpd``,
``clevel()``, ``showreffects``, ``melabel`` ...); ``bayesmh, saving(file)`` saves them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StataError
from ..posterior import Posterior
from ..report.output import Output, Text
from ..spec.bayes import mcmc_iterations
from ..spec.priors import names_from
from ..syntax.ast import Command, Equations, MultilevelModel
from ..syntax.unparse import cmdline
from .bayes_display import (
    bayes_outputs,
    model_outputs,
    model_summary,
    multilevel_structure,
    skip_note,
)
from .registry import command

__all__ = ["display_options", "dots_text"]

_REPORT = (
    "show",
    "noshow",
    "clevel",
    "hpd",
    "melabel",
    "showreffects",
    "nomodelsummary",
    "nomesummary",
    "noheader",
    "notable",
    "blocksummary",
    "batch",
    "corrlag",
    "corrtol",
    "level",
    "vsquish",
    "nofvlabel",
    "or",
    "irr",
    "eform",
    "coef",
)
_REPLAY_ONLY = ("saving", "remargl", "nogroup", "chainsdetail", "title", "dots", "nodots")


def display_options(given: dict[str, Any]) -> dict[str, Any]:
    """Reporting options as the display reads them (``level()`` is ``clevel()``)."""
    out = {k: v for k, v in given.items() if k in _REPORT}
    if "level" in out:
        out["clevel"] = float(out.pop("level"))
    if "clevel" in out:
        out["clevel"] = float(out["clevel"])
        if not 10 <= out["clevel"] <= 99.99:
            raise StataError("clevel() must be between 10 and 99.99 inclusive", 198)
    if out.get("melabel"):
        out["nomodelsummary"] = out["nomesummary"] = True
    return out


def eform_label(bm, opts: dict[str, Any]) -> str | None:
    """The exponentiated table's column title (``or``, ``irr``, ``eform``; ``bayes: logistic``
    shows odds ratios unless ``coef``), refused where the model has no such scale."""
    fam = getattr(bm, "family", None)
    if opts.get("or"):
        if fam not in ("melogit", "meologit"):
            raise StataError("option or not allowed", 198)
        return "Odds ratio"
    if opts.get("irr"):
        if fam not in ("mepoisson", "menbreg"):
            raise StataError("option irr not allowed", 198)
        return "IRR"
    if "eform" in opts:
        if fam is None:
            raise StataError("option eform not allowed", 198)
        v = opts.get("eform")
        return v if isinstance(v, str) and v else "exp(b)"
    if bm.command == "bayes: logistic" and not opts.get("coef"):
        return "Odds ratio"
    return None


def _opts_of(cmd: Command) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    for p in cmd.prefixes:
        if p.name == "bayes":
            opts.update({o.name: o.value for o in p.options})
    opts.update({o.name: o.value for o in cmd.options})
    return opts


def dots_text(
    post: Posterior, burnin: int, size: int, thin: int, step: int = 100, every: int = 1000
) -> str:
    """Stata's progress log: ``Burn-in 2500 aaaaaaaaa1000...`` then ``Simulation 10000 ...``:
    a mark every ``step`` iterations, the number in its place every ``every``."""

    def line(word: str, n: int, ch: str) -> str:
        out = [f"{word} {n} "]
        for i in range(step, n + 1, step):  # the last mark is n itself (Stata: ...2000aaaaa done)
            out.append(str(i) if i % every == 0 else ch)
        return "".join(out) + " done"

    body = [
        line("Burn-in", burnin, "a"),
        line("Simulation", mcmc_iterations(burnin, size, thin) - burnin, "."),
    ]
    if post.nchains == 1:
        return "\n".join(body)
    out = []
    for c in range(post.nchains):
        out.append(f"Chain {c + 1}")
        out += ["  " + b for b in body]
    return "\n".join(out)


def _progress(s):
    factory = getattr(s, "progress_factory", None)
    return factory() if factory is not None else None


def _check_saving(saving: Any) -> Path:
    """The .dta file ``saving()`` will write; refused before any sampling if it exists."""
    path = Path(saving.path)
    replace = saving.options.get("replace", False) is True if saving.options else False
    dta = path.with_suffix(".dta") if path.suffix not in (".dta",) else path
    if dta.exists() and not replace:
        raise StataError(f"file {dta} already exists", 602)
    if not dta.parent.is_dir():  # found out before sampling, not after
        raise StataError(f"file {dta} could not be opened: no such folder", 603)
    return dta


def _save(post: Posterior, saving: Any) -> list[Output]:
    path = Path(saving.path)
    dta = _check_saving(saving)
    try:
        dta, _full = post.save(path)
    except OSError as exc:
        raise StataError(
            f"file {dta} could not be opened" + (f": {exc.strerror}" if exc.strerror else ""), 603
        ) from None
    return [Text(f"file {dta} saved.", kind="note")]


def _improper(bm) -> bool:
    """Whether any prior is improper (flat, jeffreys): the marginal likelihood is then undefined
    and reported as missing."""
    if getattr(bm, "nonlinear", False):
        return any(p.family in ("flat", "jeffreys") for p in bm.all_priors())
    priors = [bm.coef_default, *bm.coef_priors.values()]
    if getattr(bm, "sigma2_fixed", None) is None:  # normal(#): a known variance has no prior
        priors.append(bm.sigma2_prior)
    # the likelihood's parameters: cutpoints (flat unless prior() says otherwise), ln α
    priors += [bm.aux_prior(c) for c in getattr(bm, "aux_names", [])]
    for lev in bm.levels:
        priors += [lev.cov_prior, *lev.var_priors, lev.rho_prior, lev.df_prior]
    return any(p is not None and p.family in ("flat", "jeffreys") for p in priors)


def _lml(post: Posterior) -> float:
    from .bayes_ic import lml

    return lml(post, force=True)


def _exclude(post: Posterior, refs) -> None:
    """``exclude()``: simulate the parameters but keep them out of the results; as [BAYES]
    bayesmh says, the log marginal likelihood is then not available (it would be a statement
    about fewer parameters than the model has)."""
    from .bayes_params import resolve_items

    drop = {x.full for x in resolve_items(post, refs)}
    keep = [i for i, n in enumerate(post.names) if n not in drop]
    post.names = [post.names[i] for i in keep]
    post.draws = post.draws[:, :, keep]
    keep_re = [i for i, n in enumerate(post.re_names) if n not in drop]
    post.re_names = [post.re_names[i] for i in keep_re]
    post.re_draws = post.re_draws[:, :, keep_re]
    post.info["excluded"] = sorted(drop)


def _run(s, cmd: Command, bm, opts: dict[str, Any], prefix_cmd: bool) -> list[Output]:
    from .bayes_run import estimate

    mc = bm.options
    nonlinear = getattr(bm, "nonlinear", False)
    if mc.dryrun and nonlinear:
        from ..design.bayes_nonlinear import build_bayes_nonlinear_design
        from ..sampler.nonlinear_driver import prepare_nonlinear

        prepare_nonlinear(bm, build_bayes_nonlinear_design(s.data, bm, s.touse(cmd)))
        return model_outputs(bm, [], display_options(opts))
    if mc.dryrun:
        outs: list[Output] = []
        if bm.levels and prefix_cmd:
            outs.append(Text(multilevel_structure(bm), kind="result"))
        # the coefficient names need the design: build it without sampling
        from ..design.mixed import build_mixed_design
        from .bayes_run import check_coef_priors

        if getattr(bm, "ordinal", False) or getattr(bm, "negbin", False):
            # an ordered model's constant out and cutpoints named; the counts checked
            from .bayes_glmm import glmm_design

            d = glmm_design(s, bm, s.touse(cmd)).base
        else:
            d = build_mixed_design(s.data, bm.linear, s.touse(cmd))
            check_coef_priors(bm, d)
        eform_label(bm, display_options(opts))  # or, irr where the model has them
        outs.append(Text(model_summary(bm, list(d.xnames)), kind="result"))
        return outs
    touse = s.touse(cmd)
    if opts.get("saving") is not None:
        _check_saving(opts["saving"])
    shown = display_options(opts)
    shown["_eform"] = eform_label(bm, shown)
    early: list[Output] = []

    # positions in the whole simulated chain, of which every thinning()-th draw is kept
    note = skip_note(mc.thinning - 1, (mc.mcmcsize - 1) * mc.thinning + 1, storing=True)
    if note is not None:  # checked with the options, before the model is shown
        early.append(Text(note, kind="note"))

    def before(coef_names: list[str], notes: list[str] = ()) -> None:
        # Stata shows the command's notes and the model before it samples
        early.extend(Text(n, kind="note") for n in notes)
        early.extend(model_outputs(bm, coef_names, shown))
        s.show_now(early)

    if nonlinear:
        from .bayes_nonlinear import estimate_nonlinear

        post = estimate_nonlinear(s, bm, touse, lambda: _progress(s), lambda: before([]))
    else:
        post = estimate(s, bm, touse, lambda: _progress(s), before)
    if mc.exclude:
        _exclude(post, mc.exclude)
    if prefix_cmd:
        post.info["default_priors"] = not any(
            k in opts for k in ("prior", "normalprior", "igammaprior", "iwishartprior")
        )
    multilevel = bool(bm.levels)
    if mc.remargl or not multilevel:
        post.info["scalars"]["lml"] = _lml(post)
        post.info["remargl"] = bool(mc.remargl)
    # the reporting options of the fit (the prefix's too): e(cri), e(mcse) ... follow them
    post.options = dict(shown)
    outs = list(early)
    if mc.dots:
        dots = dots_text(post, mc.burnin, mc.mcmcsize, mc.thinning, mc.dots_step, mc.dots_every)
        outs.append(Text(dots, kind="text"))
    if opts.get("saving") is not None:
        outs += _save(post, opts["saving"])
    s.e = post
    outs += bayes_outputs(post, shown, summaries=False)
    return outs


def _session_names(s):
    """Names in ``prior()`` arguments: the session's matrices, then its numeric scalars."""

    def lookup(name: str):
        m = s.matrices.get(name)
        if m is not None:
            return m.values
        v = s.scalars.get(name)
        return v if isinstance(v, (int, float)) else None

    return names_from(lookup)


@command("bayes", "prefix")
def bayes_prefix(s, cmd: Command) -> list[Output]:
    with _session_names(s):
        return _bayes_prefix(s, cmd)


def _bayes_prefix(s, cmd: Command) -> list[Output]:
    from ..spec.bayes import NEGBIN_SINGLE, ORDINAL_SINGLE, build_bayes_me, build_bayes_mixed
    from ..spec.model import GLM_COMMANDS, meglm_as

    me = ("melogit", "meprobit", "mecloglog", "mepoisson", "menbreg", "meologit", "meoprobit")
    single = (*GLM_COMMANDS, *ORDINAL_SINGLE, *NEGBIN_SINGLE)
    if cmd.name == "meglm" and isinstance(cmd.body, MultilevelModel) and cmd.body.depvar:
        cmd = meglm_as(cmd)  # family() and link() name the me* command of the same model
    if cmd.name not in ("mixed", "regress") and cmd.name not in me and cmd.name not in single:
        raise StataError(f"bayes: {cmd.name} is not available in this version of bayes_magic", 199)
    if not isinstance(cmd.body, MultilevelModel) or cmd.body.depvar is None:
        raise StataError(f"bayes: {cmd.name} requires a model; to replay, type bayes", 198)
    if cmd.name in single:
        if cmd.body.levels:
            raise StataError(f"||: random effects are not allowed with {cmd.name}", 198)
        bm = build_bayes_me(cmd, cmdline(cmd), single=True)
    elif cmd.name in me:
        bm = build_bayes_me(cmd, cmdline(cmd))
        if not bm.levels:
            raise StataError(f"bayes: {cmd.name} requires a random-effects equation", 198)
    else:
        if cmd.name == "regress" and cmd.body.levels:
            raise StataError("||: random effects are not allowed with regress", 198)
        bm = build_bayes_mixed(cmd, cmdline(cmd))
    return _run(s, cmd, bm, _opts_of(cmd), True)


def _replay(s, cmd: Command, which: str) -> list[Output]:
    post = s.e
    if not isinstance(post, Posterior):
        raise StataError("last estimates not found", 301)
    if which == "bayesmh" and post.cmd != "bayesmh":
        raise StataError("last estimates not found", 301)
    opts = {o.name: o.value for o in cmd.options}
    bad = [k for k in opts if k not in _REPORT and k not in _REPLAY_ONLY]
    if bad:
        raise StataError(f"option {bad[0]} not allowed", 198)
    outs: list[Output] = []
    if "saving" in opts:
        outs += _save(post, opts["saving"])
    if opts.get("remargl") and "lml" not in post.scalars:
        post.info["scalars"]["lml"] = _lml(post)
        post.info["remargl"] = True
    shown = display_options(opts)
    if any(k in shown for k in ("or", "irr", "eform", "coef")):
        shown["_eform"] = eform_label(post.model, shown)
    elif post.options.get("_eform"):  # the fit's own or/irr (bayes: logistic's odds ratios)
        shown["_eform"] = post.options["_eform"]
    outs += bayes_outputs(post, shown, summaries=False)
    return outs


@command("bayes")
def bayes_replay(s, cmd: Command) -> list[Output]:
    return _replay(s, cmd, "bayes")


@command("bayesmh")
def bayesmh(s, cmd: Command) -> list[Output]:
    from ..spec.bayes import build_bayesmh
    from ..spec.bayes_nonlinear import build_bayesmh_nonlinear

    body = cmd.body
    if not isinstance(body, Equations) or not body.equations:
        return _replay(s, cmd, "bayesmh")
    with _session_names(s):
        if any(eq.expr is not None for eq in body.equations):
            bm = build_bayesmh_nonlinear(cmd, cmdline(cmd))
        else:
            bm = build_bayesmh(cmd, cmdline(cmd))
        return _run(s, cmd, bm, _opts_of(cmd), False)
