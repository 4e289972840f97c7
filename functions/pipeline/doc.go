// Command pipeline hosts the local pipeline commands as subcommands:
//
//	pipeline report-failure --function etl-daily --kind etl-day-failed [--dry-run] ...
//
// Each subcommand is one entry of the table in main.go; its flags take their defaults
// from the environment and its logic lives in a domain or jobs package.
package main
