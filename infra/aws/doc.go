// Package awsinfra generates the AWS deployment of the pipeline — a CloudFormation
// template (template.yaml beside this file) with the bucket, one Lambda function per
// routed function, the bucket notifications that invoke them, a failure queue, and one
// least-privilege role per function — from the routing table (jobs.Routes). A test
// fails when the committed template is stale; regenerate it with
//
//	go test ./infra/aws -run TestTemplateIsCurrent -update
package awsinfra
