* The Stata talk "Bayesian multilevel modeling" (../shared/seed), replayed on the bundled data.
* This version runs the data and the frequentist part of the talk; the Bayesian part follows
* as it lands.

* How does the number of hours spent on homework influence math scores?
use math
describe
label list public

* a random-intercept and random-slope model by maximum likelihood
mixed math homework i.schtype || schid: homework, covariance(unstructured)
estat sd

* best linear unbiased predictions (BLUPs) of the school effects and their standard errors
predict u*, reffects reses(s*)
egen tagme = tag(schid)
egen rank = rank(u2) if tagme
list schid schtype u2 s2 rank if tagme & (rank <= 3 | rank >= 21), noobs
