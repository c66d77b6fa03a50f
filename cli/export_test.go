package cli

// ProgressBar is progressBar, for the tests.
var ProgressBar = progressBar
