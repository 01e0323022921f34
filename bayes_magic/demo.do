* The Stata talk "Bayesian multilevel modeling" (../shared/seed), replayed on the bundled data.
* This version runs the data part of the talk; the models follow as they land.

* How does the number of hours spent on homework influence math scores?
use math
describe
label list public

* a first look at the data
summarize
tabulate schtype
summarize math, detail

* one row per school, as the talk builds it before ranking the random effects
egen tagme = tag(schid)
count if tagme
by schid, sort: egen meanmath = mean(math)
list schid schtype meanmath if tagme in 1/60, noobs sepby(schtype)
