// Package doclinks holds no code: its test keeps the documentation true to the repository. It
// reads README.md and docs/*.md and fails on a relative link to a file or heading that does not
// exist, on a repository path named in backticks that does not exist, and on a page of docs/ that
// the README's index does not link; and it fails when any file of the repository refers to the
// notes the project was started from (a file named CONTEXT with the .md extension), which are not
// part of it. The package imports only the standard library, so its test binary builds in seconds.
package doclinks
