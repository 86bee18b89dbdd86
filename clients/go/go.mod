module oms

go 1.19

require github.com/shopspring/decimal v1.2.0

// No module proxy is reachable on our machines: the decimal package comes
// from Debian's golang-github-shopspring-decimal-dev (see README.md).
replace github.com/shopspring/decimal => /usr/share/gocode/src/github.com/shopspring/decimal
