//go:build tools

package deps

import (
	_ "github.com/aws/aws-lambda-go/events"
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/google/go-github/v62/github"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/rhysd/actionlint"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "gopkg.in/yaml.v3"
	_ "gorgonia.org/gorgonia"
	_ "gorgonia.org/tensor"
	_ "gorgonia.org/cu"
)
