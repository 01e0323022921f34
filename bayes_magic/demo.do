* The Stata talk "Bayesian multilevel modeling" (../shared/seed), replayed on the bundled data.
* (The first Bayesian command of a fresh install compiles the sampler once, about a minute.)

* How does the number of hours spent on homework influence math scores?
use math
describe
label list public

* a random-intercept and random-slope model by maximum likelihood
mixed math homework i.schtype || schid: homework, covariance(unstructured)
estat sd
estimates store m0

* best linear unbiased predictions (BLUPs) of the school effects and their standard errors
predict u*, reffects reses(s*)
egen tagme = tag(schid)
egen rank = rank(u2) if tagme
list schid schtype u2 s2 rank if tagme & (rank <= 3 | rank >= 21), noobs

* the same model, Bayesian, with Stata's default priors
bayes, rseed(317): mixed math homework i.schtype || schid: homework, covariance(unstructured)
bayesstats ess
bayesstats summary (corr: {U:Sigma_2_1}/sqrt({U:Sigma_1_1}*{U:Sigma_2_2}))
bayestest interval {math:1.schtype}, upper(0)

* three chains and the Gelman-Rubin diagnostic
bayes, rseed(317) nchains(3) nomodelsummary nomesummary: mixed math homework i.schtype || schid: homework, covariance(unstructured)
bayesstats grubin

* bayesmh with the random effects written out, Gibbs blocks as on the slide
bayesmh math homework i.schtype U0[schid] U1[schid]#c.homework, likelihood(normal({e.math:sigma2})) prior({math:}, normal(0,10000)) prior({e.math:sigma2}, igamma(0.01,0.01)) prior({U0 U1}, mvnormal(2,0,0,{Sigma,matrix})) prior({Sigma,m}, iwishart(2,3,I(2))) block({math:}, gibbs) block({U0 U1} {e.math:sigma2} {Sigma,m}, split gibbs) rseed(317)
bayesstats summary {U0}

* the talk's nonlinear multilevel model, by ML, on R's Orange trees (the slide's data are not bundled)
use orange, clear
menl circumference = ({b1}+{U1[Tree]})/(1+exp(-(age-{b2})/{b3})), initial(b1 190 b2 700 b3 350) nolog

* and by Bayesian MCMC: the slide's bayesmh, random asymptote and midpoint with a covariance matrix
bayesmh circumference = ({C[Tree]}/(1+exp(-(age-{B[Tree]})/{s}))), likelihood(normal({e.circumference:sigma2})) prior({C[Tree] B[Tree]}, mvnormal(2,{c},{b},{Sigma,m})) prior({c b}, normal(0,1e6)) prior({s}, normal(0,1e6)) prior({e.circumference:sigma2}, igamma(0.01,0.01)) prior({Sigma,m}, iwishart(2,3,I(2))) initial({c} 200 {b} 700 {s} 350) rseed(17)
bayesstats summary {Sigma,m} (corr: {Sigma_2_1}/sqrt({Sigma_1_1}*{Sigma_2_2}))

* the talk's multivariate multilevel model: math and homework, correlated school effects
use math, clear
bayesmh (math = ({U[schid]} + {b1}*schtype)) (homework = ({V[schid]})), likelihood(mvnormal({Sigma0,m})) prior({U[schid] V[schid]}, mvnormal(2,{u},{v},{Sigma,m})) prior({u v b1}, normal(0,10000)) prior({Sigma0,m}, iwishart(2,3,I(2))) prior({Sigma,m}, iwishart(2,3,I(2))) rseed(1)
bayesstats summary (corr: {Sigma_2_1}/sqrt({Sigma_1_1}*{Sigma_2_2}))
