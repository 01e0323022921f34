"""Option tables of the commands, in Stata's notation (capitals = minimal abbreviation).

Sources: the Stata help files' syntax diagrams ([ME] mixed, [BAYES] bayes, [BAYES] bayesmh,
[BAYES] bayesstats, [BAYES] bayestest, [BAYES] bayesgraph, [BAYES] bayespredict, [D] describe,
[R] summarize, [D] list, [R] tabulate, [D] egen, [G-2] graph twoway ...).
"""

from __future__ import annotations

from .options import (
    Bound,
    Dist,
    File,
    Flag,
    Int,
    Keyword,
    NameArg,
    Names,
    Numlist,
    Params,
    Raw,
    Real,
    Reals,
    SubOpts,
    Text,
    VarlistArg,
    opt,
    table,
)

# ---------------------------------------------------------------------------------------------
# estimation: maximization, display

LEVEL = table(opt("Level", Real(10, 99.99)))

MAXIMIZE = table(
    opt("DIFficult"),
    opt("TECHnique", Raw()),
    opt("ITERate", Int(0)),
    opt("LOg"),
    opt("NOLOg"),
    opt("TRace"),
    opt("GRADient"),
    opt("showstep"),
    opt("HESSian"),
    opt("SHOWTOLerance"),
    opt("TOLerance", Real(0)),
    opt("LTOLerance", Real(0)),
    opt("NRTOLerance", Real(0)),
    opt("NONRTOLerance"),
    opt("from", Raw()),
)

DISPLAY = table(
    opt("noci"),
    opt("NOPValues"),
    opt("NOOMITted"),
    opt("vsquish"),
    opt("NOEMPTYcells"),
    opt("BASElevels"),
    opt("ALLBASElevels"),
    opt("NOFVLABel"),
    opt("fvwrap", Int(0)),
    opt("fvwrapon", Text()),
    opt("cformat", Text()),
    opt("pformat", Text()),
    opt("sformat", Text()),
    opt("nolstretch"),
    opt("COEFLegend"),
)

COVTYPE = Keyword(
    "INDependent EXchangeable IDentity UNstructured fixed pattern", ("fixed", "pattern")
)

# mixed ([ME] mixed): fe_options, re_options, options
MIXED_FE = table(opt("NOCONstant"))
MIXED_RE = table(
    opt("COVariance", COVTYPE),
    opt("NOCONstant"),
    opt("COLlinear"),
    opt("FWeight", Raw()),
    opt("PWeight", Raw()),
)
MIXED = (
    table(
        opt("MLe"),
        opt("reml"),
        opt("DFMethod", Raw()),
        opt("pwscale", Raw()),
        opt("RESiduals", Raw()),
        opt("vce", Raw()),
        opt("VARiance"),
        opt("STDDEViations"),
        opt("DFTABle", Raw()),
        opt("NORETable"),
        opt("NOFETable"),
        opt("ESTMetric"),
        opt("NOHEADer"),
        opt("NOGRoup"),
        opt("NOSTDerr"),
        opt("EMITERate", Int(0)),
        opt("EMTOLerance", Real(0)),
        opt("emonly"),
        opt("emlog"),
        opt("EMDOTs"),
        opt("matsqrt"),
        opt("matlog"),
        opt("small"),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

# me* commands ([ME] melogit, meprobit, mepoisson, meglm ...)
ME_FE = table(opt("NOCONstant"), opt("OFFset", NameArg()), opt("EXPosure", NameArg()), opt("asis"))
ME_RE = table(opt("COVariance", COVTYPE), opt("NOCONstant"), opt("COLlinear"))
ME = (
    table(
        opt("Binomial", Raw()),
        opt("OFFset", NameArg()),
        opt("EXPosure", NameArg()),
        opt("Family", Raw()),
        opt("Link", Raw()),
        opt("CONSTraints", Raw()),
        opt("vce", Raw()),
        opt("OR"),
        opt("IRr"),
        opt("EForm", Text(optional=True)),
        opt("NOCNSReport"),
        opt("NOTABle"),
        opt("NOHEADer"),
        opt("NOGRoup"),
        opt("NOLRtest"),
        opt("INTPoints", Int(1, 195)),
        opt("INTMethod", Keyword("MVAGhermite MCAGhermite GHermite LAPlace")),
        opt("laplace"),
        opt("STARTValues", Raw()),
        opt("STARTGrid", Raw(optional=True)),
        opt("NOESTimate"),
        opt("DNUMerical"),
        opt("Dispersion", Raw()),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

# logit, logistic, probit, cloglog, poisson ([R] logit ...): the fixed-effects equation's
# offset()/exposure()/noconstant come from ME_FE
GLM = (
    table(
        opt("OFFset", NameArg()),
        opt("EXPosure", NameArg()),
        opt("CONSTraints", Raw()),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("OR"),
        opt("IRr"),
        opt("COEF"),
        opt("EForm", Text(optional=True)),
        opt("NOCNSReport"),
        opt("NOTABle"),
        opt("NOHEADer"),
        opt("COLlinear"),
        opt("from", Raw()),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

# mlogit ([R] mlogit)
MLOGIT = (
    table(
        opt("Baseoutcome", Text()),
        opt("RRr"),
        opt("CONSTraints", Raw()),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("NOCNSReport"),
        opt("NOTABle"),
        opt("NOHEADer"),
        opt("COLlinear"),
        opt("from", Raw()),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

# glm ([R] glm): family and link, the scale, IRLS or ML and their variance estimators
GLMGEN = (
    table(
        opt("Family", Raw()),
        opt("Link", Raw()),
        opt("OFFset", NameArg()),
        opt("EXPosure", NameArg()),
        opt("LNOFFset", NameArg()),
        opt("CONSTraints", Raw()),
        opt("COLlinear"),
        opt("asis"),
        opt("MU", NameArg()),
        opt("INIt", NameArg()),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("VFactor", Real(0)),
        opt("disp", Real(0)),
        opt("SCAle", Raw()),
        opt("EForm"),
        opt("NOCNSReport"),
        opt("NOTABle"),
        opt("NOHEADer"),
        opt("NODISPlay"),
        opt("ml"),
        opt("irls"),
        opt("FISHER", Int(1)),
        opt("SEARCH"),
        opt("from", Raw()),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

# nbreg ([R] nbreg): poisson's options and the dispersion's parameterization
NBREG = GLM + table(opt("Dispersion", Raw()), opt("NOLRtest"))

MENL = (
    table(
        opt("DEFine", Raw(), repeat=True),
        opt("COVariance", Raw(), repeat=True),
        opt("INITial", Raw()),
        opt("MLe"),
        opt("reml"),
        opt("RESCOVariance", Raw()),
        opt("RESVariance", Raw()),
        opt("RESCORrelation", Raw()),
        opt("VARiance"),
        opt("STDDEViations"),
        opt("NOHEADer"),
        opt("NOGRoup"),
        opt("NOTABle"),
        opt("NOLEGend"),
        opt("NOSTDerr"),
        opt("TSOrder", NameArg()),
        opt("TSInit", Raw()),
        opt("NOFETABle"),
        opt("NORETABle"),
        opt("ESTMetric"),
        opt("EMITerate", Int(0)),
        opt("EMTOLerance", Real(0)),
        opt("EMLOG"),
        opt("PNLSopts", Raw()),
        opt("LMEopts", Raw()),
        opt("vce", Raw()),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

REGRESS = (
    table(
        opt("NOCONstant"),
        opt("hascons"),
        opt("tsscons"),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("Beta"),
        opt("EForm", Text()),
        opt("DEPname", NameArg()),
        opt("noHeader"),
        opt("NOTABle"),
        opt("PLus"),
        opt("MSE1"),
    )
    + LEVEL
    + DISPLAY
)

# ---------------------------------------------------------------------------------------------
# Bayesian estimation ([BAYES] bayes, [BAYES] bayesmh)

ADAPT = table(
    opt("every", Int(1)),
    opt("maxiter", Int(0)),
    opt("miniter", Int(0)),
    opt("alpha", Real(0, 1)),
    opt("beta", Real(0, 1)),
    opt("gamma", Real(0)),
    opt("tarate", Real(0, 1)),
    opt("TOLerance", Real(0, 1)),
)

BLOCK_OPTS = table(
    opt("gibbs"),
    opt("split"),
    opt("REffects"),
    opt("SCale", Real(0)),
    opt("COVariance", NameArg()),
    opt("ADAPTation", SubOpts(ADAPT)),
)

PRIOR_OPTS = table(opt("split"))
DOTS_OPTS = table(opt("every", Int(1)))

MCMC = table(
    opt("prior", Params(dist=True, table=PRIOR_OPTS), repeat=True),
    opt("dryrun"),
    opt("nchains", Int(1)),
    opt("MCMCSize", Int(1)),
    opt("BURNin", Int(0)),
    opt("THINning", Int(1)),
    opt("rseed", Int(0, 2**31 - 1)),
    opt("EXCLude", Params(names=True)),
    opt("block", Params(table=BLOCK_OPTS), repeat=True),
    opt("BLOCKSUMMary"),
    opt("INITial", Raw()),
    opt("init#", Raw()),
    opt("initall", Raw()),
    opt("NOMLEINITial"),
    opt("INITRANDom"),
    opt("INITSUMMary"),
    opt("ADAPTation", SubOpts(ADAPT)),
    opt("SCale", Real(0)),
    opt("COVariance", NameArg()),
    opt("CLEVel", Real(10, 99.99)),
    opt("hpd"),
    opt("EForm", Text(optional=True)),
    opt("batch", Int(0)),
    opt("SAVing", File()),
    opt("NOMODELSUMMary"),
    opt("chainsdetail"),
    opt("dots", Raw(optional=True)),
    opt("nodots"),
    opt("show", Params(names=True)),
    opt("noshow", Params(names=True)),
    opt("SHOWREffects", Params(optional=True, names=True)),
    opt("NOTABle"),
    opt("NOHEADer"),
    opt("title", Text()),
    opt("search", Raw()),
    opt("corrlag", Int(1)),
    opt("corrtol", Real(0)),
    opt("vsquish"),
    opt("NOEMPTYcells"),
    opt("BASElevels"),
    opt("ALLBASElevels"),
    opt("NOFVLABel"),
    opt("fvwrap", Int(0)),
    opt("fvwrapon", Text()),
    opt("nolstretch"),
)

BAYES_PREFIX = MCMC + table(
    opt("gibbs"),
    opt("OR"),
    opt("IRr"),
    opt("EForm", Text(optional=True)),
    opt("COEF"),
    opt("NORMALPRior", Real(0)),
    opt("IGAMMAPRior", Reals(2, 2)),
    opt("IWISHARTPRior", Raw()),
    opt("blocksize", Int(1)),
    opt("NOBLOCKing"),
    opt("NOIsily"),
    opt("remargl"),
    opt("NOMESUMMary"),
    opt("melabel"),
    opt("NOGRoup"),
    opt("restubs", Names()),
)

LIKELIHOOD_OPTS = table(opt("OFFset", NameArg()), opt("EXPosure", NameArg()))

BAYESMH = MCMC + table(
    opt("NOCONstant"),
    opt("LIKELihood", Dist(LIKELIHOOD_OPTS)),
    opt("REffects", NameArg()),
    opt("REDEFine", Raw(), repeat=True),
    opt("XBDEFine", Raw(), repeat=True),
    opt("NOEXPRession"),
    opt("remargl"),
)

# ---------------------------------------------------------------------------------------------
# Bayesian postestimation

CHAINS = table(opt("chains", Raw()), opt("sepchains"))
BPOST_DISPLAY = table(
    opt("vsquish"),
    opt("NOEMPTYcells"),
    opt("BASElevels"),
    opt("ALLBASElevels"),
    opt("NOFVLABel"),
    opt("fvwrap", Int(0)),
    opt("fvwrapon", Text()),
    opt("nolstretch"),
)
SHOWRE = table(opt("showreffects", Params(optional=True, names=True)))

BAYESSTATS_SUMMARY = (
    table(
        opt("CLEVel", Real(10, 99.99)),
        opt("hpd"),
        opt("batch", Int(0)),
        opt("skip", Int(0)),
        opt("NOLEGend"),
        opt("corrlag", Int(1)),
        opt("corrtol", Real(0)),
    )
    + CHAINS
    + SHOWRE
    + BPOST_DISPLAY
)
BAYESSTATS_ESS = (
    table(opt("skip", Int(0)), opt("NOLEGend"), opt("corrlag", Int(1)), opt("corrtol", Real(0)))
    + CHAINS
    + SHOWRE
    + BPOST_DISPLAY
)
BAYESSTATS_GRUBIN = (
    table(opt("sort"), opt("skip", Int(0)), opt("NOLEGend")) + SHOWRE + BPOST_DISPLAY
)
BAYESSTATS_IC = (
    table(
        opt("BASEModel", NameArg()),
        opt("BAYESFactor"),
        opt("diconly"),
        opt("MARGLMethod", Keyword("LMETropolis hmean")),
    )
    + CHAINS
)
BAYESSTATS_PPVALUES = table(opt("NOLEGend")) + CHAINS

BAYESTEST_INTERVAL_SPEC = table(opt("Lower", Bound()), opt("Upper", Bound()))
BAYESTEST_INTERVAL = (
    table(
        opt("Lower", Bound()),
        opt("Upper", Bound()),
        opt("joint"),
        opt("INCLusive"),
        opt("skip", Int(0)),
        opt("NOLEGend"),
        opt("corrlag", Int(1)),
        opt("corrtol", Real(0)),
    )
    + CHAINS
)
BAYESTEST_MODEL = (
    table(opt("prior", Raw()), opt("MARGLMethod", Keyword("LMETropolis hmean"))) + CHAINS
)

BAYESGRAPH = (
    table(
        opt("skip", Int(0)),
        opt("name", Raw()),
        opt("saving", Raw()),
        opt("byparm", Raw(optional=True)),
        opt("combine", Raw(optional=True)),
        opt("sleep", Int(0)),
        opt("wait"),
        opt("close"),
        opt("noclose"),
        opt("graphopts", Raw()),
        opt("graph#opts", Raw()),
        opt("CHAINSLEGend"),
        opt("bychain", Raw(optional=True)),
        opt("chainopts", Raw()),
        opt("chain#opts", Raw()),
        opt("traceopts", Raw()),
        opt("trace#opts", Raw()),
        opt("acopts", Raw()),
        opt("ac#opts", Raw()),
        opt("histopts", Raw()),
        opt("hist#opts", Raw()),
        opt("kdensopts", Raw()),
        opt("kdens#opts", Raw()),
        opt("lags", Int(1)),
        opt("ci"),
        opt("bin", Int(1)),
        opt("normal"),
        opt("title", Raw()),
        opt("XTItle", Raw()),
        opt("YTItle", Raw()),
        opt("SUBtitle", Raw()),
        opt("note", Raw()),
        opt("blup", NameArg()),
        opt("bayes", NameArg()),
        opt("CLEVel", Real(10, 99.99)),
        opt("SHOW", NameArg()),
        # graphopts given directly ([G-3] line_options, marker_options, area_options)
        opt("LColor", Raw()),
        opt("LWidth", Raw()),
        opt("LPattern", Raw()),
        opt("COLor", Raw()),
        opt("FColor", Raw()),
        opt("MColor", Raw()),
        opt("MSymbol", Raw()),
        opt("MSIZe", Raw()),
    )
    + CHAINS
    + SHOWRE
)

BAYESPREDICT = table(
    opt("SAVing", File()),
    opt("rseed", Int(0, 2**31 - 1)),
    opt("dots", Raw(optional=True)),
    opt("nodots"),
    opt("mean"),
    opt("median"),
    opt("std"),
    opt("cri"),
    opt("outcome", NameArg()),
    opt("mcse", NameArg()),
    opt("batch", Int(0)),
    opt("corrlag", Int(1)),
    opt("corrtol", Real(0)),
    opt("CLEVel", Real(10, 99.99)),
    opt("hpd"),
    opt("extravars", VarlistArg()),
    opt("PASSTHRUopts", Text()),
    opt("chains", Raw()),
)

# ---------------------------------------------------------------------------------------------
# postestimation after mixed

ESTAT_SD = table(opt("VARiance"), opt("verbose"), opt("post"), opt("COEFLegend"))
ESTAT_IC = table(opt("n", Int(1)))
ESTAT_ICC = LEVEL
ESTAT_RECOV = table(
    opt("RELEVel", Text()),
    opt("CORRelation"),
    opt("format", Text()),
    opt("border", Raw()),
    opt("nohalf"),
)
ESTAT_GROUP = table()

PREDICT = table(
    opt("xb"),
    opt("ue"),
    opt("u"),
    opt("e"),
    opt("xbu"),
    opt("pu0"),
    opt("yhat"),
    opt("stdp"),
    opt("FITted"),
    opt("RESiduals"),
    opt("RSTAndard"),
    opt("REFfects"),
    opt("reses", Names()),
    opt("RELEVel", Text()),
    opt("SCores"),
    opt("mu"),
    opt("pr", Raw(optional=True)),
    opt("eta"),
    opt("CONDitional", Raw(optional=True)),
    opt("MARGinal"),
    opt("EBMEANs"),
    opt("EBMODEs"),
    opt("FIXEDonly"),
    opt("INTPoints", Int(1, 195)),
    opt("NOOFFset"),
    opt("n"),
    opt("ir"),
    opt("stdf"),
    opt("LEVerage"),
    opt("hat"),
    opt("RSTUdent"),
    opt("COOKsd"),
    opt("COVratio"),
    opt("stdr"),
    opt("DFIts"),
    opt("WElsch"),
    opt("DFBeta", Raw()),
    opt("nolabel"),
    opt("rules"),
    opt("asif"),
    opt("OUTcome", Raw()),
    opt("PEARson"),
    opt("DEViance"),
    opt("dx2"),
    opt("DDeviance"),
    opt("DBeta"),
    opt("NUMber"),
    opt("ANScombe"),
    opt("LIKelihood"),
    opt("RESPonse"),
    opt("Working"),
    opt("STAndardized"),
    opt("STUdentized"),
    opt("MODified"),
    opt("ADJusted"),
)

ESTIMATES_STORE = table(opt("nocopy"))
ESTIMATES_TABLE = (
    table(
        opt("stats", Raw()),
        opt("star", Raw(optional=True)),
        opt("Keep", Raw()),
        opt("Drop", Raw()),
        opt("EQuations", Raw()),
        opt("b", Text(optional=True)),
        opt("se", Text(optional=True)),
        opt("t", Text(optional=True)),
        opt("p", Text(optional=True)),
        opt("STFmt", Text()),
        opt("VARwidth", Int(1)),
        opt("MODELwidth", Int(1)),
        opt("eform"),
        opt("VARLabel"),
        opt("NEWpanel"),
        opt("STYle", Keyword("ONEline COLumns NOLine")),
        opt("CODed"),
        opt("TItle", Text()),
    )
    + DISPLAY
)
LRTEST = table(opt("STats"), opt("DIr"), opt("Df", Int(0)), opt("force"))
NLCOM = table(opt("df", Real(0)), opt("post"), opt("ITERate", Int(0)), opt("NOHEADer")) + LEVEL
MARGINS = (
    table(
        opt("dydx", Raw()),
        opt("eyex", Raw()),
        opt("dyex", Raw()),
        opt("eydx", Raw()),
        opt("at", Raw(), repeat=True),
        opt("ATMeans"),
        opt("PREDict", Raw()),
        opt("EXPression", Raw()),
        opt("over", Raw()),
        opt("post"),
        opt("NOESample"),
        opt("vce", Raw()),
        opt("nose"),
        opt("NOWEIGHTs"),
        opt("NOATLegend"),
        opt("CONTrast", Raw(optional=True)),
        opt("PWCOMPare", Raw(optional=True)),
        opt("ASBALanced"),
        opt("grand"),
        opt("CHAINrule"),
    )
    + LEVEL
)
TABSTAT = table(
    opt("by", NameArg()),
    opt("Statistics", Raw()),
    opt("STats", Raw()),
    opt("Columns", Raw()),
    opt("Format", Text(optional=True)),
    opt("CASEwise"),
    opt("NOTotal"),
    opt("Missing"),
    opt("NOSeparator"),
    opt("LOngstub"),
    opt("Varwidth", Int(1)),
    opt("LABelwidth", Int(1)),
    opt("SAVE"),
)
TTEST = table(opt("by", NameArg()), opt("UNEqual"), opt("welch"), opt("UNPaired")) + LEVEL
MEAN = (
    table(
        opt("over", Raw()),
        opt("vce", Raw()),
        opt("NOHEADer"),
        opt("NOLegend"),
        opt("stdize", Raw()),
        opt("stdweight", Raw()),
        opt("COEFLegend"),
    )
    + LEVEL
)
LINCOM = (
    table(
        opt("EForm", Text(optional=True)),
        opt("or"),
        opt("irr"),
        opt("hr"),
        opt("rrr"),
    )
    + LEVEL
)
TEST = table(
    opt("Mtest", Raw(optional=True)),
    opt("coef"),
    opt("Accumulate"),
    opt("NOTest"),
    opt("common"),
    opt("CONStant"),
    opt("MINimum"),
    opt("df", Int(1)),
    opt("small"),
)

# ---------------------------------------------------------------------------------------------
# data management

DESCRIBE = table(
    opt("SImple"),
    opt("Short"),
    opt("Fullnames"),
    opt("Numbers"),
    opt("replace"),
    opt("clear"),
    opt("VARList"),
)
SUMMARIZE = table(opt("Detail"), opt("MEANonly"), opt("Format"), opt("SEParator", Int(0))) + table(
    opt("vsquish"),
    opt("NOEMPTYcells"),
    opt("BASElevels"),
    opt("ALLBASElevels"),
    opt("NOFVLABel"),
    opt("fvwrap", Int(0)),
    opt("fvwrapon", Text()),
)
CORRELATE = table(opt("Means"), opt("NOFormat"), opt("COVariance"), opt("Wrap"), opt("_coef"))
PWCORR = table(
    opt("obs"),
    opt("sig"),
    opt("LISTwise"),
    opt("CASEwise"),
    opt("PRint", Real(0)),
    opt("STar", Real(0)),
    opt("Bonferroni"),
    opt("SIDak"),
)
LIST = table(
    opt("Compress"),
    opt("NOCompress"),
    opt("fast"),
    opt("ABbreviate", Int(5)),
    opt("STRing", Int(5)),
    opt("NOObs"),
    opt("fvall"),
    opt("Table"),
    opt("Display"),
    opt("Header", Int(0, optional=True)),
    opt("NOHeader"),
    opt("clean"),
    opt("DIVider"),
    opt("SEParator", Int(0)),
    opt("sepby", VarlistArg()),
    opt("NOLabel"),
    opt("mean", VarlistArg(optional=True)),
    opt("sum", VarlistArg(optional=True)),
    opt("N", VarlistArg(optional=True)),
    opt("LABVar", NameArg()),
    opt("CONstant", VarlistArg(optional=True)),
    opt("NOTRim"),
    opt("ABSolute"),
    opt("nodotz"),
    opt("SUBVARname"),
    opt("LINEsize", Int(40, 32765)),
)
TAB_COMMON = table(opt("Missing"), opt("NOFreq"), opt("NOLabel"), opt("matcell", NameArg()))
TAB1 = TAB_COMMON + table(
    opt("SUmmarize", NameArg()),
    opt("MEans"),
    opt("STandard"),
    opt("Freq"),
    opt("Obs"),
    opt("NOMeans"),
    opt("NOStandard"),
    opt("NOObs"),
    opt("subpop", NameArg()),
    opt("Plot"),
    opt("sort"),
    opt("Generate", NameArg()),
    opt("matrow", NameArg()),
)
TAB2 = TAB_COMMON + table(
    opt("CHi2"),
    opt("Exact", Int(1, optional=True)),
    opt("Gamma"),
    opt("LRchi2"),
    opt("Taub"),
    opt("V"),
    opt("CCHi2"),
    opt("COlumn"),
    opt("Row"),
    opt("CLRchi2"),
    opt("CEll"),
    opt("EXPected"),
    opt("rowsort"),
    opt("colsort"),
    opt("Wrap"),
    opt("key"),
    opt("nokey"),
    opt("nolog"),
    opt("matrow", NameArg()),
    opt("matcol", NameArg()),
    opt("All"),
)
GENERATE = table(opt("Before", NameArg()), opt("After", NameArg()))
REPLACE = table(opt("NOPromote"))
SORT = table(opt("stable"))
GSORT = table(opt("Generate", NameArg()), opt("Mfirst"))
SAVE = table(
    opt("NOLabel"),
    opt("replace"),
    opt("all"),
    opt("Orphans"),
    opt("EMPTYok"),
    opt("Version", Int(11)),
)
USE = table(opt("clear"), opt("NOLabel"))
# import delimited / insheet, export delimited / outsheet ([D] import delimited)
IMPORT_DELIMITED = table(
    opt("clear"),
    opt("DELIMiters", Raw()),
    opt("DELIMiter", Raw()),
    opt("VARNames", Raw()),
    opt("nonames"),
    opt("CASE", Keyword("PRESERVE LOWER UPPER")),
    opt("ROWRange", Raw()),
    opt("ENCoding", Text()),
    opt("ASDOUBle"),
    opt("ASFLOat"),
    opt("tab"),
    opt("comma"),
)
EXPORT_DELIMITED = table(
    opt("replace"),
    opt("DELIMiter", Raw()),
    opt("NOVARNames"),
    opt("NOLabel"),
    opt("nonames"),
    opt("comma"),
    opt("NOQuote"),
)
LABEL_DEFINE = table(opt("Add"), opt("modify"), opt("replace"), opt("nofix"))
LABEL_VALUES = table(opt("nofix"))
LABEL_COPY = table(opt("replace"))
BY_PREFIX = table(opt("Sort"), opt("rc0"))
SET_OPTS = table(opt("PERMinently"))
SVMAT = table(opt("Names", Text()))
MATRIX = table(opt("Format", Text()), opt("NOHeader"), opt("NONames"), opt("TItle", Text()))
ENCODE = table(opt("Generate", NameArg()), opt("Label", NameArg()), opt("noextend"))
DECODE = table(opt("Generate", NameArg()), opt("MAXLength", Int(1, 2045)))
DESTRING = table(
    opt("Generate", Names()),
    opt("replace"),
    opt("Ignore", Text()),
    opt("force"),
    opt("float"),
    opt("percent"),
    opt("dpcomma"),
)
RESHAPE = table(
    opt("i", Names()),
    opt("j", Text()),
    opt("String"),
    opt("ATwl", Text()),
)
APPEND = table(
    opt("GENerate", NameArg()),
    opt("keep", Names()),
    opt("NOLabel"),
    opt("NONOTEs"),
    opt("force"),
)
MERGE = table(
    opt("ASSERT", Text()),
    opt("GENerate", NameArg()),
    opt("FORCE"),
    opt("KEEP", Text()),
    opt("KEEPUSing", Names()),
    opt("NOLabel"),
    opt("NOGENerate"),
    opt("NONOTEs"),
    opt("REPLACE"),
    opt("NOREPort"),
    opt("SORTED"),
    opt("UPDATE"),
)
ORDER = table(
    opt("first"),
    opt("last"),
    opt("Before", NameArg()),
    opt("After", NameArg()),
    opt("ALPHAbetic"),
    opt("SEQuential"),
)
ISID = table(opt("Sort"), opt("MISSok"))
XTILE = table(opt("Nquantiles", Int(2)), opt("Cutpoints", NameArg()))
DS = table(
    opt("not", Text(optional=True)),
    opt("ALpha"),
    opt("Detail"),
    opt("has", Text()),
    opt("INSEnsitive"),
)
MVCODE = table(opt("mv", Text()), opt("override"))
# the epitab commands ([ST] epitab): csi/cs, cci/cc, iri/ir, and the by() options of the data
# forms (parsed so that they are refused by name)
EPI_CS = table(opt("Exact"), opt("OR"), opt("Woolf"), opt("TB")) + LEVEL
EPI_CC = table(opt("Exact"), opt("COrnfield"), opt("Woolf"), opt("TB")) + LEVEL
EPI_IR = table(opt("TB")) + LEVEL
EPI_TABODDS = (
    table(
        opt("OR"),
        opt("ADJust", Raw()),
        opt("BASE", Raw()),
        opt("Binomial", Raw()),
        opt("COrnfield"),
        opt("Woolf"),
        opt("TB"),
        opt("Graph"),
        opt("CIplot"),
    )
    + LEVEL
)
EPI_BY = table(
    opt("by", Raw()),
    opt("ESTandard"),
    opt("ISTandard"),
    opt("STandard", Raw()),
    opt("Pool"),
    opt("NOCrude"),
    opt("NOHom"),
    opt("rd"),
    opt("ird"),
    opt("bd"),
    opt("TArone"),
    opt("Binomial", Raw()),
    opt("Fast"),
)

# xtlogit, xtprobit, xtcloglog ([XT] xtlogit ...): re only; fe and pa are refused by name
XTBIN = (
    table(
        opt("re"),
        opt("fe"),
        opt("pa"),
        opt("i", NameArg()),
        opt("OR"),
        opt("EForm"),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("INTPoints", Int(1, 195)),
        opt("INTMethod", Keyword("MVAGhermite AGhermite GHermite")),
        opt("NOLRtest"),
        opt("noHeader"),
        opt("NOTABle"),
    )
    + LEVEL
    + DISPLAY
    + MAXIMIZE
)

XTREG = (
    table(
        opt("fe"),
        opt("re"),
        opt("be"),
        opt("mle"),
        opt("pa"),
        opt("i", NameArg()),
        opt("THeta"),
        opt("vce", Raw()),
        opt("Robust"),
        opt("CLuster", NameArg()),
        opt("noHeader"),
        opt("NOTABle"),
    )
    + LEVEL
    + DISPLAY
)
XTSET = table(opt("DELta", Text()), opt("clear"))
TOSTRING = table(
    opt("Generate", Names()),
    opt("replace"),
    opt("force"),
    opt("format", Text()),
    opt("Usedisplayformat"),
)
RECODE = table(
    opt("Generate", Names()),
    opt("into", Names()),
    opt("Prefix", NameArg()),
    opt("Label", NameArg()),
    opt("copyrest"),
    opt("Test"),
)
COLLAPSE = table(opt("by", VarlistArg()), opt("cw"), opt("fast"))
LEVELSOF = table(
    opt("Separate", Text()),
    opt("MISSing"),
    opt("Local", NameArg()),
    opt("Clean"),
    opt("MATROW", NameArg()),
    opt("MATCELL", NameArg()),
    opt("HEXadecimal"),
)
RENAME = table(
    opt("UPper"),
    opt("LOwer"),
    opt("PROPer"),
    opt("ADDNUMber", Raw(optional=True)),
    opt("RENUMber", Raw(optional=True)),
    opt("Dryrun"),
    opt("r"),
)

# egen functions: the argument kind (expression or varlist) and the options of each
EGEN_EXP = [
    "count",
    "iqr",
    "mad",
    "max",
    "mdev",
    "mean",
    "median",
    "min",
    "pc",
    "pctile",
    "rank",
    "sd",
    "total",
    "std",
    "kurt",
    "skew",
    "mode",
]
EGEN_VARLIST = [
    "anycount",
    "anymatch",
    "anyvalue",
    "concat",
    "cut",
    "diff",
    "ends",
    "fill",
    "group",
    "rowfirst",
    "rowlast",
    "rowmax",
    "rowmean",
    "rowmedian",
    "rowmin",
    "rowmiss",
    "rownonmiss",
    "rowpctile",
    "rowsd",
    "rowtotal",
    "seq",
    "tag",
    "mtr",
]
#: egen's old ``by(varlist)`` option, which every function takes (the group functions honour it)
EGEN_BY = table(opt("by", VarlistArg()))
EGEN_OPTS = {
    "count": table(),
    "group": table(
        opt("Missing"),
        opt("Label", Raw(optional=True)),
        opt("lname", NameArg()),
        opt("Truncate", Int(1)),
    ),
    "tag": table(opt("Missing")),
    "rank": table(opt("Field"), opt("Track"), opt("Unique")),
    "total": table(opt("Missing")),
    "rowtotal": table(opt("Missing")),
    "pctile": table(opt("p", Real(0, 100))),
    "rowpctile": table(opt("p", Real(0, 100))),
    "pc": table(opt("prop")),
    "std": table(opt("Mean", Real()), opt("Std", Real(0))),
    "mode": table(opt("MINmode"), opt("MAXmode"), opt("NUMmode", Int(1)), opt("MISSing")),
    "rownonmiss": table(opt("Strok")),
    "seq": table(opt("From", Int()), opt("To", Int()), opt("Block", Int(1))),
    "cut": table(opt("at", Raw()), opt("Group", Int(1)), opt("ICodes"), opt("LABel")),
    "anycount": table(opt("Values", Numlist())),
    "anymatch": table(opt("Values", Numlist())),
    "anyvalue": table(opt("Values", Numlist())),
    "concat": table(
        opt("Format", Text()), opt("Decode"), opt("MAXLength", Int(1)), opt("Punct", Text())
    ),
    "ends": table(opt("Punct", Text()), opt("TRim"), opt("Head"), opt("Last"), opt("Tail")),
}

# ---------------------------------------------------------------------------------------------
# graphics: the options common to twoway plots and graphs; arguments kept raw for report/

_GRAPH_WORDS = [
    "TItle",
    "SUBtitle",
    "note",
    "CAPtion",
    "YTItle",
    "XTItle",
    "YLABel",
    "XLABel",
    "YTICk",
    "XTICk",
    "YMLABel",
    "XMLABel",
    "YSCale",
    "XSCale",
    "LEGend",
    "by",
    "name",
    "saving",
    "scheme",
    "scale",
    "nodraw",
    "ASPECTratio",
    "xsize",
    "ysize",
    "GRAPHRegion",
    "PLOTRegion",
    "YLine",
    "XLine",
    "TEXT",
    "Msymbol",
    "MColor",
    "MSIZe",
    "MSAngle",
    "MFColor",
    "MLColor",
    "MLWidth",
    "MLAbel",
    "MLABPosition",
    "MLABSize",
    "MLABColor",
    "Connect",
    "sort",
    "CMISsing",
    "LPattern",
    "LWidth",
    "LColor",
    "LSTYle",
    "PSTYle",
    "COLor",
    "FColor",
    "FINTensity",
    "BWidth",
    "MEAN",
    "NOWeight",
    "LOGit",
    "ADJust",
    "Kernel",
    "n",
    "Range",
    "RAnge",
    "atobs",
    "HORizontal",
    "area",
    "boundary",
    "estopts",
    "predopts",
    "bin",
    "Width",
    "start",
    "Discrete",
    "DENsity",
    "FRACtion",
    "FREQuency",
    "percent",
    "NORMal",
    "NORMOPts",
    "KDENsity",
    "KDENOPts",
    "ADDLabels",
    "ADDLABOPts",
    "ADDPlot",
    "BARWidth",
    "gap",
    "VERTical",
    "lfitopts",
    "rcapopts",
    "mvopts",
    "mvOPts",
    "yaxis",
    "xaxis",
    "ciplot",
    "level",
    "stdp",
    "stdf",
    "CLPattern",
    "CLWidth",
    "CLColor",
    "ACLPattern",
    "ACLColor",
    "ALWidth",
    "ALColor",
    "MLABVposition",
    "jitter",
    "jitterseed",
    "recast",
    "xvarlab",
    "yvarlab",
]
GRAPH = table(*(opt(w, Raw(optional=True)) for w in _GRAPH_WORDS))
SERRBAR = table(opt("SCale", Real(0))) + GRAPH
QNORM = table(opt("GRid")) + GRAPH
LROC = table(opt("NOGraph"), opt("all"), opt("beta", Raw())) + GRAPH
LOWESS = table(opt("GENerate", NameArg()), opt("NOGraph")) + GRAPH
LSENS = (
    table(
        opt("NOGraph"),
        opt("all"),
        opt("GENProb", NameArg()),
        opt("GENSens", NameArg()),
        opt("GENSPec", NameArg()),
        opt("REPlace"),
    )
    + GRAPH
)
MARGINSPLOT = (
    table(
        opt("noci"),
        opt("RECASTci", Raw()),
        opt("CIOPts", Raw()),
        opt("PLOTOPts", Raw()),
        opt("XDIMension", Raw()),
        opt("PLOTDIMension", Raw()),
        opt("BYDIMension", Raw()),
        opt("GRAPHDIMension", Raw()),
        opt("unique"),
        opt("csort"),
        opt("BYOPts", Raw()),
        opt("Level", Real(10, 99.99)),
    )
    + GRAPH
)
GRAPH_EXPORT = table(
    opt("name", NameArg()),
    opt("as", NameArg()),
    opt("replace"),
    opt("width", Int(1)),
    opt("height", Int(1)),
)
#: [G-2] graph combine: the layout options, the graph's texts and the things every graph takes
GRAPH_COMBINE = table(
    *(
        opt(w, Raw(optional=True))
        for w in (
            *("TItle", "SUBtitle", "note", "CAPtion", "name", "saving"),
            *("scheme", "GRAPHRegion", "PLOTRegion"),
        )
    ),
    opt("nodraw"),
    opt("xsize", Real(0)),
    opt("ysize", Real(0)),
    opt("COLs", Int(1)),
    opt("ROWs", Int(1)),
    opt("COLFirst"),
    opt("HOLes", Numlist()),
    opt("ISCale", Raw()),
    opt("ALTSHrink"),
    opt("IMARgin", Raw()),
    opt("YCOMmon"),
    opt("XCOMmon"),
    opt("COMMONSCHeme"),
    opt("NOCOPies"),
)
KDENSITY = GRAPH + table(
    opt("Generate", Raw()), opt("at", NameArg()), opt("NOGRaph"), opt("STUdent", Int(1))
)

__all__ = [k for k in dict(globals()) if k.isupper()] + ["Flag"]
