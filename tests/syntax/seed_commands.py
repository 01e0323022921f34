"""Every command line of the talk in ../shared/seed, cleaned of the slides' OCR noise.

The slides were photographed: ``U@``/``UO`` are ``U0``, ``1fit`` is ``lfit``, ``ml`` is ``m1``,
``mvnO`` is ``mvn0``, the ``> `` continuation prompts are joined. Each entry is the command as
a user types it, with the slide it comes from.
"""

SEED_COMMANDS = [
    # Example
    ("use math", "Example"),
    ("describe", "Example"),
    ("label list public", "Example"),
    ("twoway (scatter math homework) (lfit math homework), by(schid)", "Example"),
    # MLMs with mixed
    ("mixed math homework i.schtype || schid: homework, covariance(unstructured)", "mixed"),
    ("estat sd", "mixed"),
    ("predict u*, reffects reses(s*)", "mixed"),
    ("egen tagme = tag(schid)", "Random effects"),
    ("egen rank = rank(u2) if tagme", "Random effects"),
    ("serrbar u2 s2 rank if tagme, scale(1.96)", "Random effects"),
    # Bayesian MLMs with bayes:
    (
        "bayes, rseed(317) melabel: ///\n"
        "    mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "bayes:",
    ),
    ("bayes, melabel hpd showreffects", "bayes:"),
    ("bayesgraph diagnostics _all", "Diagnostics"),
    ("bayesstats ess", "Diagnostics"),
    # MCMC settings
    ("search bayesparallel", "MCMC settings"),
    (
        "bayesparallel, nproc(3): ///\n"
        "    bayes, rseed(317) burnin(5000) mcmcsize(15000) nchains(3): ///\n"
        "    mixed math homework i.schtype || schid: homework, cov(un)",
        "MCMC settings",
    ),
    ("bayes, melabel", "MCMC settings"),
    ("bayesstats grubin", "Diagnostics"),
    # Default priors
    ("bayes", "Default priors"),
    # Model comparison
    (
        "bayes, rseed(317) saving(m1): "
        "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "Model comparison",
    ),
    ("estimates store m1", "Model comparison"),
    (
        "bayes, rseed(317) saving(m2) normalprior(5): "
        "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "Model comparison",
    ),
    ("estimates store m2", "Model comparison"),
    (
        "bayes, rseed(317) saving(m3) iwishartprior(10): "
        "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "Model comparison",
    ),
    ("estimates store m3", "Model comparison"),
    (
        "bayes, rseed(317) saving(m4) prior({e.math:sigma2}, jeffreys): "
        "mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "Model comparison",
    ),
    ("estimates store m4", "Model comparison"),
    ("bayesstats ic m*, diconly", "Model comparison"),
    # Postestimation
    ("estimates restore m1", "Postestimation"),
    ("bayesstats summary (corr:{U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))", "Postestimation"),
    (
        "bayesstats summary (corr:{U:Sigma_2 1}/sqrt({U:Sigma_1 1}*{U:Sigma_2 2}))",
        "Postestimation (as reference/math.md writes it)",
    ),
    ("bayestest interval {math:1.schtype}, upper(0)", "Postestimation"),
    # Bayesian MLMs with bayesmh
    (
        "bayes: mixed math homework i.schtype || schid: homework, covariance(unstructured)",
        "bayesmh",
    ),
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
        "likelihood(normal({e.math:sigma2})) "
        "prior({math:}, normal(0,10000)) "
        "prior({e.math:sigma2}, igamma(0.01,0.01)) "
        "prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) "
        "prior({Sigma,m}, iwishart(2,3,I(2)))",
        "bayesmh",
    ),
    # Alternative covariance structures
    (
        "bayes: mixed math homework i.schtype || schid: homework, covariance(identity)",
        "Identity covariance",
    ),
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
        "likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) "
        "prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvn0identity(2,{Sigma})) "
        "prior({Sigma}, igamma(0.01,0.01))",
        "Identity covariance",
    ),
    ("bayes: mixed math homework i.schtype || schid: homework", "Independent covariance"),
    (
        "bayes: mixed math homework i.schtype || schid: homework, covariance(exchangeable)",
        "Exchangeable covariance",
    ),
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
        "likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) "
        "prior({e.math:sigma2}, igamma(0.01,0.01)) "
        "prior({U0 U1}, mvn0exchangeable(2,{Sigma},{rho})) prior({Sigma}, igamma(0.01,0.01)) "
        "prior({rho}, uniform(-1,1))",
        "Exchangeable covariance",
    ),
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
        "likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) "
        "prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvn0(2,{Sigma,m})) "
        "prior({Sigma,m}, iwishart(2,3,I(2)))",
        "Unstructured covariance",
    ),
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, "
        "likelihood(normal({e.math:sigma2})) prior({math:}, normal(0, 10000)) "
        "prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, t(0,{Sigma},{df}), split) "
        "prior({Sigma}, igamma(0.01,0.01)) prior({df}, uniform(1,500))",
        "Priors for random effects",
    ),
    # Gibbs sampling
    (
        "bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, ///\n"
        "    likelihood(normal({e.math:sigma2})) ///\n"
        "    prior({math:}, normal(0,10000)) ///\n"
        "    prior({e.math:sigma2}, igamma(0.01,0.01)) ///\n"
        "    prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) ///\n"
        "    prior({Sigma,m}, iwishart(2,3,I(2))) ///\n"
        "    block({math:}, gibbs) ///\n"
        "    block({U0 U1} {e.math:sigma2} {Sigma,m}, split gibbs) ///\n"
        "    rseed(317)",
        "Gibbs sampling",
    ),
    ("bayesgraph diagnostics {math:homework}", "Diagnostics"),
    ("bayesmh, showreffects", "Random effects"),
    ("bayesstats summary {U0}", "Random effects"),
    ("svmat r(summary), names(u2b)", "Random effects"),
    ("twoway (kdensity u2 if tagme) (kdensity u2b1)", "Random effects"),
    # Model checking
    ("bayesmh, saving(bmh)", "Model checking"),
    ("bayespredict {_ysim}, saving(prdata)", "Model checking"),
    ("bayesstats ppvalues (@max({_resid})) using prdata", "Model checking"),
    # Logistic MLM
    ("bayes: melogit taskdone i.difficulty || subject:", "Logistic MLM"),
    (
        "bayesmh taskdone i.difficulty U0[subject], likelihood(logistic) "
        "prior({taskdone:}, normal(0,10000)) prior({U0}, normal(0,{Sigma})) "
        "prior({Sigma}, igamma(0.01,0.01))",
        "Logistic MLM",
    ),
    ("bayes: melogit taskdone i.difficulty || family: || subject:", "Three-level logistic MLM"),
    (
        "bayesmh taskdone i.difficulty U0[family] UU0[family>subject], likelihood(logistic) "
        "prior({taskdone:}, normal(0,10000)) prior({U0}, normal(0,{U_Sigma})) "
        "prior({U_Sigma}, igamma(0.01,0.01)) prior({UU0}, normal(0,{R_Sigma})) "
        "prior({R_Sigma}, igamma(0.01,0.01))",
        "Three-level logistic MLM",
    ),
    # Nonlinear MLM
    ("menl weight = ({C[id]}/(1+{d}*{C[id]}*exp(-{B[id]}*time)))", "Nonlinear MLM"),
    (
        "bayesmh weight = ({C[id]}/(1+{d}*{C[id]}*exp(-{B[id]}*time))), "
        "likelihood(normal({e.weight:sigma2})) prior({C B}, mvnormal(2,{c},{b},{Sigma,m})) "
        "prior({c b}, normal(0, 100)) prior({e.weight:sigma2}, igamma(0.01,0.01)) "
        "prior({Sigma,m}, iwishart(2,3,I(2)))",
        "Nonlinear MLM",
    ),
    # Multivariate MLM
    (
        "bayesmh (wing = ({U[id]} + time*{V[id]})) "
        "(weight = ({C[id]}/(1+{d}*{C[id]}*exp(-{B[id]}*time)))), "
        "likelihood(mvnormal({e.sigma,m})) "
        "prior({U V C B}, mvnormal(4,{u},{v},{c},{b},{Sigma,m})) "
        "prior({u v c b}, normal(0, 100)) prior({e.sigma,m}, iwishart(2,3,I(2))) "
        "prior({Sigma,m}, iwishart(4,5,I(4))) prior({d}, exponential(1))",
        "Multivariate MLM",
    ),
]
