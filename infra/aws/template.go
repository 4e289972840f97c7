package awsinfra

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// Access is what one function may do in the bucket: read everything under the key
// prefix, write only under these prefixes.
type Access struct {
	Writes []string // key prefixes it writes (relative to the key prefix)
}

// FunctionAccess lists, for every function the routing table leads to, what it writes.
// TestEveryRoutedFunctionHasAccess keeps it complete.
var FunctionAccess = map[string]Access{
	jobs.QualityCheck: {Writes: []string{layout.QualityPrefix, layout.Runs(jobs.QualityCheck)}},
	// ab-eval writes a version only when the one it needs is missing (a lost retrain event).
	jobs.ABEval:  {Writes: []string{layout.ABPrefix, layout.DeployedPrefix, layout.Runs(jobs.ABEval)}},
	jobs.Retrain: {Writes: []string{layout.DeployedPrefix, layout.Runs(jobs.Retrain)}},
}

type m = map[string]any

// LogicalName turns a function name into a CloudFormation logical id part: "ab-eval" → "AbEval".
func LogicalName(function string) string {
	var b strings.Builder
	for _, part := range strings.Split(function, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func sub(s string) m { return m{"Fn::Sub": s} }

// Template returns the CloudFormation template as YAML.
func Template() ([]byte, error) {
	resources := m{}
	var lambdaConfigs []any
	var bucketDeps []string
	for _, fn := range jobs.Functions() {
		acc, ok := FunctionAccess[fn]
		if !ok {
			return nil, fmt.Errorf("function %s has no entry in FunctionAccess", fn)
		}
		size, ok := FunctionSizing[fn]
		if !ok {
			return nil, fmt.Errorf("function %s has no entry in FunctionSizing", fn)
		}
		id := LogicalName(fn)
		addFunction(resources, fn, id, acc, size)
		bucketDeps = append(bucketDeps, id+"Permission")
	}
	for _, r := range jobs.Routes {
		lambdaConfigs = append(lambdaConfigs, m{
			"Event": jobs.CreatedEvents,
			"Filter": m{"S3Key": m{"Rules": []any{
				m{"Name": "prefix", "Value": sub("${KeyPrefix}" + r.Prefix)},
				m{"Name": "suffix", "Value": r.Suffix},
			}}},
			"Function": m{"Fn::GetAtt": []string{LogicalName(r.Function) + "Function", "Arn"}},
		})
	}
	resources["DataBucket"] = m{
		"Type":      "AWS::S3::Bucket",
		"DependsOn": bucketDeps,
		"Properties": m{
			"BucketName": m{"Ref": "BucketName"},
			"BucketEncryption": m{"ServerSideEncryptionConfiguration": []any{
				m{"ServerSideEncryptionByDefault": m{"SSEAlgorithm": "AES256"}},
			}},
			"PublicAccessBlockConfiguration": m{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"NotificationConfiguration": m{"LambdaConfigurations": lambdaConfigs},
		},
	}
	resources["FailureQueue"] = m{
		"Type":       "AWS::SQS::Queue",
		"Properties": m{"MessageRetentionPeriod": 1209600},
	}
	doc := m{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description": "recpipe: event-driven recommender pipeline. GENERATED from jobs.Routes by infra/aws " +
			"(go test ./infra/aws -run TestTemplateIsCurrent -update); do not edit by hand.",
		"Parameters": m{
			"BucketName":    m{"Type": "String", "Description": "name of the pipeline's bucket (created by this stack)"},
			"KeyPrefix":     m{"Type": "String", "Default": "", "Description": "optional key prefix, ending in / when set"},
			"CodeBucket":    m{"Type": "String", "Description": "bucket holding the function zips built by make lambda"},
			"CodeKeyPrefix": m{"Type": "String", "Default": "recpipe/lambda/", "Description": "key prefix of <function>.zip in CodeBucket"},
		},
		"Resources": resources,
		"Outputs": m{
			"BucketURL":    m{"Value": sub("s3://${BucketName}/${KeyPrefix}"), "Description": "BUCKET_URL for every binary"},
			"FailureQueue": m{"Value": m{"Ref": "FailureQueue"}, "Description": "events whose function failed after Lambda's retries"},
		},
	}
	var node yaml.Node
	if err := node.Encode(doc); err != nil {
		return nil, err
	}
	if err := addSizingComments(&node, FunctionSizing); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func addFunction(res m, fn, id string, acc Access, size Sizing) {
	var writeARNs []any
	for _, p := range acc.Writes {
		writeARNs = append(writeARNs, sub("arn:${AWS::Partition}:s3:::${BucketName}/${KeyPrefix}"+p+"*"))
	}
	res[id+"Role"] = m{
		"Type": "AWS::IAM::Role",
		"Properties": m{
			"AssumeRolePolicyDocument": m{
				"Version":   "2012-10-17",
				"Statement": []any{m{"Effect": "Allow", "Principal": m{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}},
			},
			"Policies": []any{m{
				"PolicyName": fn + "-least-privilege",
				"PolicyDocument": m{
					"Version": "2012-10-17",
					"Statement": []any{
						m{"Sid": "ReadPipelineObjects", "Effect": "Allow", "Action": "s3:GetObject",
							"Resource": sub("arn:${AWS::Partition}:s3:::${BucketName}/${KeyPrefix}*")},
						m{"Sid": "ListPipelineKeys", "Effect": "Allow", "Action": "s3:ListBucket",
							"Resource":  sub("arn:${AWS::Partition}:s3:::${BucketName}"),
							"Condition": m{"StringLike": m{"s3:prefix": sub("${KeyPrefix}*")}}},
						m{"Sid": "WriteOwnOutputs", "Effect": "Allow", "Action": "s3:PutObject", "Resource": writeARNs},
						m{"Sid": "Logs", "Effect": "Allow", "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"},
							"Resource": m{"Fn::GetAtt": []string{id + "Logs", "Arn"}}},
						m{"Sid": "ReportFailures", "Effect": "Allow", "Action": "sqs:SendMessage",
							"Resource": m{"Fn::GetAtt": []string{"FailureQueue", "Arn"}}},
					},
				},
			}},
		},
	}
	res[id+"Logs"] = m{
		"Type":       "AWS::Logs::LogGroup",
		"Properties": m{"LogGroupName": "/aws/lambda/recpipe-" + fn, "RetentionInDays": 30},
	}
	res[id+"Function"] = m{
		"Type":      "AWS::Lambda::Function",
		"DependsOn": []string{id + "Logs"},
		"Properties": m{
			"FunctionName":  "recpipe-" + fn,
			"Runtime":       "provided.al2023",
			"Handler":       "bootstrap",
			"Architectures": []string{"x86_64"},
			"MemorySize":    size.MemoryMB,
			"Timeout":       size.TimeoutSec,
			"Role":          m{"Fn::GetAtt": []string{id + "Role", "Arn"}},
			"Code":          m{"S3Bucket": m{"Ref": "CodeBucket"}, "S3Key": sub("${CodeKeyPrefix}" + fn + ".zip")},
			"Environment":   m{"Variables": m{"BUCKET_URL": sub("s3://${BucketName}/${KeyPrefix}")}},
		},
	}
	res[id+"Permission"] = m{
		"Type": "AWS::Lambda::Permission",
		"Properties": m{
			"Action":        "lambda:InvokeFunction",
			"FunctionName":  m{"Ref": id + "Function"},
			"Principal":     "s3.amazonaws.com",
			"SourceArn":     sub("arn:${AWS::Partition}:s3:::${BucketName}"),
			"SourceAccount": m{"Ref": "AWS::AccountId"},
		},
	}
	res[id+"InvokeConfig"] = m{
		"Type": "AWS::Lambda::EventInvokeConfig",
		"Properties": m{
			"FunctionName":             m{"Ref": id + "Function"},
			"Qualifier":                "$LATEST",
			"MaximumRetryAttempts":     2,
			"MaximumEventAgeInSeconds": 21600,
			"DestinationConfig":        m{"OnFailure": m{"Destination": m{"Fn::GetAtt": []string{"FailureQueue", "Arn"}}}},
		},
	}
}
