module github.com/tuijin/tuijin/e2e

go 1.26.0

replace (
	github.com/tuijin/tuijin/pkg => ../pkg
	github.com/tuijin/tuijin/tools => ../tools
)
