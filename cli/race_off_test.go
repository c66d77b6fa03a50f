//go:build !race

package cli_test

const raceBuild = false
