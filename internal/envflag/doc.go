// Package envflag declares a command's flags once, each with the environment variable
// that may set it, and parses them strictly.
//
// A value comes from the command line, else from its environment variable, else from
// the default (the value the destination held when the flag was declared). Every
// failure to make sense of the invocation is a usage error (errors.Is(err, ErrUsage)),
// which a command answers with exit status 2 before it does anything:
//
//   - a malformed flag value or environment value (AB_SEED=abc, --day x);
//   - an unknown flag, or any positional argument (the commands take none);
//   - a value outside its declared range (checks run on every value that was given,
//     on the command line or in the environment; zero is a value like any other);
//   - a broken rule between flags (Set.Rule).
//
// Set.WriteHelp prints the command's one-line purpose, its flags with their
// environment variables and defaults, and its exit codes; Parse returns ErrHelp for
// -h, -help and --help.
package envflag
