# Reference values for docs/methods.md §6 (Obuchowski's clustered McNemar test), from R's
# clust.bin.pair 0.1.2 (CRAN; source github.com/cran/clust.bin.pair, commit e464ac7) on its
# three example data sets. The numbers are pasted into tests/analysis/test_clustered.py.
#
#   R CMD INSTALL -l LIB clust.bin.pair   # from the source tree (no dependencies)
#   R_LIBS=LIB Rscript tests/analysis/reference/clust_bin_pair.R
#
# Printed per data set: the per-cluster tables (ak, bk, ck, dk), then clust.bin.pair's
# statistic and p for method "obuchowski" (and "mcnemar" for comparison), 15 significant digits.
library(clust.bin.pair)
options(digits = 15)

show <- function(name, tables) {
  cat("##", name, "\n")
  cat("ak <- c(", paste(tables$ak, collapse = ", "), ")\n")
  cat("bk <- c(", paste(tables$bk, collapse = ", "), ")\n")
  cat("ck <- c(", paste(tables$ck, collapse = ", "), ")\n")
  cat("dk <- c(", paste(tables$dk, collapse = ", "), ")\n")
  for (method in c("obuchowski", "mcnemar")) {
    test <- clust.bin.pair(tables$ak, tables$bk, tables$ck, tables$dk, method = method)
    cat(method, ": statistic =", format(unname(test$statistic), digits = 15),
        " p.value =", format(test$p.value, digits = 15), "\n")
  }
}

show("psychiatry", with(psychiatry, data.frame(ak = ah, bk = bh, ck = ch, dk = dh)))
show("thyroids", nested.to.contingency(thyroids$x.pet, thyroids$x.spect))
show("obfuscation", with(obfuscation, paired.to.contingency(group = list(subject, atom),
                                                            t1 = control, t2 = treatment)))
