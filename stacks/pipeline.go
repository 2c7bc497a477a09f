package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// GoVersion is the Go toolchain the synth step builds with (go.mod needs
// Go 1.26). The CodeBuild image's own Go (every current image has 1.21 or
// later) fetches it through GOTOOLCHAIN: the go command downloads the
// toolchain module from the Go module proxy and checks it against the Go
// checksum database (GOSUMDB is set, whatever the image says) before running
// it, so no checksum is copied by hand into this repository. The synth step
// stops if the go command is then any other version.
const GoVersion = "1.26.8"

// PipelineOutDir is where the synth step writes the pipeline app's cloud
// assembly (`cdk synth -c pipeline=true -o ...`): the pipeline deploys it.
const PipelineOutDir = "cdk.out.pipeline"

// PipelineStackName is <org>-pipeline-<deploying account>-<home region>.
func PipelineStackName(org *config.Org) string {
	return StackName(org.Name, "pipeline", org.Deployer().Name, org.HomeRegion)
}

// SynthCommands are the synth step's install and build commands: Go
// GoVersion (see there), the CodeBuild image's Node 20, cfn-lint, then
// `make synth`,
// which fails on any gate (cdk-nag, cfn-lint, cfn-guard, palisade's own
// checks), then the pipeline app's synth into PipelineOutDir.
func SynthCommands() (install, build []string) {
	install = []string{
		"export GOTOOLCHAIN=go" + GoVersion + " GOSUMDB=sum.golang.org",
		`test "$(go env GOVERSION)" = go` + GoVersion,
		"node --version",
		"pip install cfn-lint==1.51.0",
	}
	build = []string{
		"make synth",
		"npx cdk synth --quiet -c pipeline=true -o " + PipelineOutDir,
	}
	return install, build
}

// SynthCachePrefix is where in the artifact bucket CodeBuild keeps the
// synth step's cache, and SynthCachePath what it keeps: the gates' cache
// (gates.DefaultCacheDir for CodeBuild's root user).
const (
	SynthCachePrefix = "synth-cache"
	SynthCachePath   = "/root/.cache/palisade/**/*"
)

// NewPipeline adds to app the pipeline stack of the org: a CDK pipeline in
// the deploying account's home region that takes the org's repository from
// the org file's deployment.pipeline, synthesizes and gates it, updates
// itself, and deploys every stage of the org's plan (deployplan.New) wave
// by wave, each stage built by BuildPlan with exactly its stacks, production stages
// after a manual approval. It returns an error when the org file has no
// pipeline or its waves cannot be planned.
func NewPipeline(app awscdk.App, org *config.Org) (awscdk.Stack, error) {
	return NewPipelineWith(app, org, PipelineOptions{})
}

// PipelineOptions are NewPipelineWith's options. The zero value is what
// the app deploys.
type PipelineOptions struct {
	// EmptyCLIStages leaves the stages of the CLI steps without stacks:
	// the pipeline stack alone, to test its shape at 1,000 accounts
	// without synthesizing 8,000 stacks. Never for a deploy.
	EmptyCLIStages bool
}

// NewPipelineWith is NewPipeline with options. The pipeline deploys the
// org's rollout (deployplan.Plan.Rollout): one CodePipeline stage per
// step, at most deployplan.MaxDepth in sequence. A step that fits one
// stage deploys as CDK Pipelines does, one stage per account, two actions
// per stack; a larger one is one CodeBuild action that runs the CDK CLI
// over the step's stacks (cliStep).
func NewPipelineWith(app awscdk.App, org *config.Org, opts PipelineOptions) (awscdk.Stack, error) {
	src := org.Deployment.Pipeline
	if src == nil {
		return nil, errors.New("deployment.pipeline: the org file names no pipeline; add deployment.pipeline " +
			"(connectionArn and repository, or codeCommitRepository) or synthesize without -c pipeline=true")
	}
	plan := deployplan.New(org)
	steps := plan.Rollout(deployplan.MaxActions)
	deployer := org.Deployer()
	name := PipelineStackName(org)
	stack := awscdk.NewStack(app, &name, &awscdk.StackProps{
		StackName:   &name,
		Description: jsii.String(fmt.Sprintf("palisade %s: the pipeline that deploys the organization on every commit to %s", org.Name, src.Branch)),
		Env:         &awscdk.Environment{Account: &deployer.ID, Region: &org.HomeRegion},
	})
	// Server access logs are admitted by a bucket policy, not an ACL, so
	// the log bucket can enforce bucket-owner object ownership.
	stack.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)

	var source pipelines.CodePipelineSource
	if src.ConnectionArn != "" {
		source = pipelines.CodePipelineSource_Connection(&src.Repository, &src.Branch, &pipelines.ConnectionSourceOptions{
			ConnectionArn: &src.ConnectionArn,
			TriggerOnPush: jsii.Bool(true),
		})
	} else {
		repo := awscodecommit.Repository_FromRepositoryName(stack, jsii.String("Repository"), &src.CodeCommitRepository)
		source = pipelines.CodePipelineSource_CodeCommit(repo, &src.Branch, nil)
	}

	install, build := SynthCommands()
	synth := pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
		Input:                  source,
		InstallCommands:        jsii.Strings(install...),
		Commands:               jsii.Strings(build...),
		Env:                    &map[string]*string{"CDK_DISABLE_CLI_TELEMETRY": jsii.String("true")},
		PrimaryOutputDirectory: jsii.String(PipelineOutDir),
	})
	image := &awscodebuild.BuildEnvironment{
		BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0(),
		Privileged: jsii.Bool(false),
	}
	bucket := artifactBucket(stack)
	logging := &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: buildLogs(stack, bucket, org.Partition())}}
	pipeline := pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName:      &name,
		CrossAccountKeys:  jsii.Bool(true),
		EnableKeyRotation: jsii.Bool(true),
		ArtifactBucket:    bucket,
		// One CodeBuild action publishes every asset: the Assets stage
		// stays one action whatever the number of stacks.
		PublishAssetsInParallel: jsii.Bool(false),
		CodeBuildDefaults:       &pipelines.CodeBuildOptions{BuildEnvironment: image, Logging: logging},
		SynthCodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &awscodebuild.BuildEnvironment{
				BuildImage:  awscodebuild.LinuxBuildImage_STANDARD_7_0(),
				ComputeType: awscodebuild.ComputeType_MEDIUM, // the CDK app takes ~1 GB per Go process and Node
				Privileged:  jsii.Bool(false),
			},
			Logging: logging,
			// The gates' cache (palisade gates: cfn-lint's and cfn-guard's
			// results per template, keyed by its bytes and the tools') is
			// kept between builds in the artifact bucket, so a commit
			// re-checks only the templates it changed; at 417 stacks that
			// is 115 s against 3 s. Whoever can write that bucket can
			// already change the artifacts the pipeline deploys.
			Cache: awscodebuild.Cache_Bucket(bucket, &awscodebuild.BucketCacheOptions{Prefix: jsii.String(SynthCachePrefix)}),
			PartialBuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]any{
				"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{"nodejs": "20"}}},
				"cache":  map[string]any{"paths": []string{SynthCachePath}},
			}),
		},
		Synth: synth,
	})

	for _, step := range steps {
		if step.CLI {
			addCLIStep(app, pipeline, plan, step, source, synth, org, opts)
			continue
		}
		var waveOpts *pipelines.WaveOptions
		if step.Approval {
			waveOpts = &pipelines.WaveOptions{Pre: &[]pipelines.Step{approval(step)}}
		}
		wave := pipeline.AddWave(jsii.String(step.Name), waveOpts)
		for _, st := range step.Stages {
			keep := map[string]bool{}
			for _, s := range st.Stacks {
				keep[s.Name] = true
			}
			stage := awscdk.NewStage(app, jsii.String(st.Name), &awscdk.StageProps{StageName: jsii.String(st.Name)})
			awscdk.Aspects_Of(stage).Add(&namesInStage{*stage.Node().Path() + "/"}, nil)
			AddStackChecks(BuildPlan(stage, plan, func(name string) bool { return keep[name] }))
			var opts *pipelines.AddStageOpts
			if st.Production {
				opts = &pipelines.AddStageOpts{Pre: &[]pipelines.Step{
					pipelines.NewManualApprovalStep(jsii.String("Approve-"+st.Name), &pipelines.ManualApprovalStepProps{
						Comment: jsii.String(fmt.Sprintf("Deploy %d stacks to the production account %s (%s)?", len(st.Stacks), st.Account.Name, st.Account.ID)),
					}),
				}}
			}
			wave.AddStage(stage, opts)
		}
	}

	pipeline.BuildPipeline()
	suppressPipeline(stack)
	literalRoleArns(stack, pipeline.Pipeline(), org.Partition())
	for _, child := range *app.Node().Children() {
		if s, ok := child.(awscdk.Stack); ok && strings.HasPrefix(*s.StackName(), name+"-support-") {
			hardenSupportStack(s)
		}
	}
	return stack, nil
}

// CLIStageName is the name of the CDK stage that holds a CLI step's
// stacks, and of its nested assembly (assembly-<name>) in PipelineOutDir.
// Account names are lowercase, so it never meets an account's stage.
func CLIStageName(step deployplan.Step) string { return "Rollout-" + step.Name }

// DeployCommand is the command a CLI step runs: the CDK CLI deploys every
// stack of the step's nested assembly, concurrency stacks at once, in the
// order of their dependencies ("--concurrency: maximum number of
// simultaneous deployments (dependency permitting)", AWS CDK Developer
// Guide, "cdk deploy"); --require-approval never, since the pipeline's own
// approval (and the gates of the synth step) come before.
func DeployCommand(step deployplan.Step, concurrency int) string {
	return fmt.Sprintf("npx cdk deploy --app %s/assembly-%s --all --require-approval never --concurrency %d --progress events",
		PipelineOutDir, CLIStageName(step), concurrency)
}

// approval is the manual approval before a step of production accounts.
func approval(step deployplan.Step) pipelines.Step {
	var accounts []string
	for _, st := range step.Stages {
		accounts = append(accounts, st.Account.Name)
	}
	return pipelines.NewManualApprovalStep(jsii.String("Approve-"+step.Name), &pipelines.ManualApprovalStepProps{
		Comment: jsii.String(fmt.Sprintf("Deploy %d stacks to the production accounts %s, and the rest of the rollout after them?", len(step.Stacks()), strings.Join(accounts, ", "))),
	})
}

// addCLIStep adds a CLI step: its stacks go into one CDK stage that the
// pipeline synthesizes (a nested assembly of PipelineOutDir) but does not
// deploy itself, and one CodeBuild action deploys that assembly with the
// CDK CLI (DeployCommand), after the step's approval when it has one.
//
// The action runs in the deploying account. The CDK CLI deploys each stack
// through the target environment's bootstrap roles: it assumes
// cdk-hnb659fds-deploy-role-<account>-<region> for CloudFormation,
// cdk-hnb659fds-file-publishing-role-<account>-<region> to upload the
// stack's template and file assets, and may assume the lookup role to read
// the deployed stack (AWS CDK Developer Guide, "AWS CDK bootstrapping":
// the roles the CLI assumes). Every account's bootstrap trusts the
// deploying account for all three (`cdk bootstrap --trust <deployer>`, as
// `palisade bootstrap-plan` prints it; in the pinned CLI's bootstrap
// template, node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml,
// FilePublishingRole, DeploymentActionRole and LookupRole trust
// TrustedAccounts for sts:AssumeRole and sts:TagSession), so the
// CodeBuild role needs only the identity side: those actions on those
// roles. The CLI needs no assets stage of the pipeline (it publishes the
// step's assets itself) and installs from the repository's lock file
// (npm ci), so it is the CLI version the synth step used.
func addCLIStep(app awscdk.App, pipeline pipelines.CodePipeline, plan *deployplan.Plan, step deployplan.Step, source, synth pipelines.IFileSetProducer, org *config.Org, opts PipelineOptions) {
	stage := awscdk.NewStage(app, jsii.String(CLIStageName(step)), &awscdk.StageProps{StageName: jsii.String(CLIStageName(step))})
	if !opts.EmptyCLIStages {
		keep := map[string]bool{}
		for _, s := range step.Stacks() {
			keep[s.Name] = true
		}
		awscdk.Aspects_Of(stage).Add(&namesInStage{*stage.Node().Path() + "/"}, nil)
		AddStackChecks(BuildPlan(stage, plan, func(name string) bool { return keep[name] }))
	}
	roles := func(kind string) string {
		// The account is "*": the step's accounts are up to the org's
		// every account, and a list of 1,000 ARNs would pass IAM's 10,240
		// characters of inline policy per role (IAM User Guide, "IAM and
		// AWS STS quotas"); aws:ResourceOrgID keeps it to the org's
		// accounts, and only roles whose trust names the deploying
		// account can be assumed at all.
		return fmt.Sprintf("arn:%s:iam::*:role/cdk-hnb659fds-%s-role-*", org.Partition(), kind)
	}
	deploy := pipelines.NewCodeBuildStep(jsii.String("Deploy-"+step.Name), &pipelines.CodeBuildStepProps{
		Input:            source,
		AdditionalInputs: &map[string]pipelines.IFileSetProducer{PipelineOutDir: synth},
		InstallCommands:  jsii.Strings("npm ci --ignore-scripts"),
		Commands:         jsii.Strings(DeployCommand(step, org.Deployment.Concurrency)),
		Env:              &map[string]*string{"CDK_DISABLE_CLI_TELEMETRY": jsii.String("true")},
		PartialBuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]any{
			"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{"nodejs": "20"}}},
		}),
		// The longest build timeout CloudFormation accepts: the
		// AWS::CodeBuild::Project schema caps TimeoutInMinutes at 480
		// (cfn-lint E3034 refused 2,160), although CodeBuild's API
		// Reference (CreateProject timeoutInMinutes) now says 5 to 2,160.
		// 1,000 workload accounts at concurrency 20 are ~400 rounds of one
		// stack deploy; at that size raise deployment.concurrency so that
		// the rounds fit 8 hours. Whether CodePipeline has its own time
		// limit per CodeBuild action below that the docs at hand did not
		// settle.
		Timeout: awscdk.Duration_Hours(jsii.Number(8)),
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeTheCDKBootstrapRolesOfTheOrg"),
			Actions:   jsii.Strings("sts:AssumeRole", "sts:TagSession"),
			Resources: jsii.Strings(roles("deploy"), roles("file-publishing"), roles("lookup")),
			// aws:ResourceOrgID is the organization of the role assumed
			// (IAM User Guide, "AWS global condition context keys";
			// AWS's data perimeter examples apply it to sts:AssumeRole,
			// aws-samples/data-perimeter-policy-examples,
			// resource_perimeter_scp.json).
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": org.OrganizationID}},
		})},
	})
	var pre *[]pipelines.Step
	if step.Approval {
		a := approval(step)
		// In a wave without stages, CDK Pipelines does not order pre before
		// post by itself (aws/aws-cdk#16130): the dependency does.
		deploy.AddStepDependency(a)
		pre = &[]pipelines.Step{a}
	}
	pipeline.AddWave(jsii.String(step.Name), &pipelines.WaveOptions{Pre: pre, Post: &[]pipelines.Step{deploy}})
}

// artifactBucket is the pipeline's artifact store: encrypted with a
// rotating key of its own (which the pipeline shares with the target
// accounts' deploy roles), versioned, TLS only, private, retained, its
// access logged to a second bucket.
func artifactBucket(stack awscdk.Stack) awss3.Bucket {
	logs := accessLogBucket(stack, "ArtifactAccessLogs")
	suppress(logs,
		nag("AwsSolutions-S1", "this is the server access log target of the pipeline's artifact bucket; logging it to itself would loop"),
		nag("NIST.800.53.R5-S3BucketLoggingEnabled", "this is the server access log target of the pipeline's artifact bucket; logging it to itself would loop"),
		nag("NIST.800.53.R5-S3DefaultEncryptionKMS", "S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS"),
		nag("NIST.800.53.R5-S3BucketReplicationEnabled", "access logs of the pipeline's artifacts; versioning and retention protect them, and the artifacts are rebuilt from the repository"),
	)
	key := awskms.NewKey(stack, jsii.String("ArtifactKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the pipeline's artifacts; the target accounts' deploy roles may decrypt them"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	denyGrantsExceptForAWSServices(key)
	bucket := awss3.NewBucket(stack, jsii.String("ArtifactBucket"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		// Every run makes its own artifacts from the repository; a year
		// keeps any execution retryable long after it ran.
		LifecycleRules: expireAfter(365),
	})
	sendEventsToEventBridge(bucket)
	suppress(bucket,
		nag("NIST.800.53.R5-S3BucketReplicationEnabled", "pipeline artifacts are rebuilt from the repository on every run; versioning and retention protect them"),
	)
	return bucket
}

// buildLogs is the CloudWatch log group of every CodeBuild project of the
// pipeline, encrypted with the artifact key.
func buildLogs(stack awscdk.Stack, bucket awss3.IBucket, partition string) awslogs.LogGroup {
	name := "/palisade/" + *stack.StackName() + "/codebuild"
	key := bucket.EncryptionKey()
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfTheBuilds"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, *stack.Region(), *stack.Account(), name),
		}},
	}), nil)
	return awslogs.NewLogGroup(stack, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		EncryptionKey: key,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// expireAfter is a lifecycle that expires objects after days, and their
// older versions 30 days after they are replaced.
func expireAfter(days float64) *[]*awss3.LifecycleRule {
	return &[]*awss3.LifecycleRule{{
		Id:                          jsii.String("Expire"),
		Expiration:                  awscdk.Duration_Days(jsii.Number(days)),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
	}}
}

// accessLogBucket is a bucket that receives S3 server access logs: SSE-S3
// (server access logging cannot deliver to SSE-KMS buckets), versioned,
// TLS only, private, retained, expiring after a year.
func accessLogBucket(scope constructs.Construct, id string) awss3.Bucket {
	logs := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		Versioned:         jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules:    expireAfter(365),
	})
	sendEventsToEventBridge(logs)
	return logs
}

// sendEventsToEventBridge turns on the bucket's EventBridge notifications
// in the template itself, without the custom resource the L2 prop brings.
func sendEventsToEventBridge(b awss3.Bucket) {
	b.Node().DefaultChild().(awss3.CfnBucket).AddPropertyOverride(
		jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
}

// denyGrantsExceptForAWSServices keeps kms:CreateGrant to AWS services
// acting for AWS resources (AWS Control Tower CT.KMS.PR.3).
func denyGrantsExceptForAWSServices(key awskms.IKey) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
}

// namesInStage is an aspect of a pipeline stage. CDK tags VPC resources
// (the VPC, subnets, route tables, gateways, ACLs, flow logs) with Name =
// their construct path, which inside a stage begins with the stage's id;
// namesInStage drops that prefix, so the stage deploys the same tags as the
// direct app. It runs after the Tags aspects (default priority 500 > 200).
type namesInStage struct{ prefix string }

func (a *namesInStage) Visit(node constructs.IConstruct) {
	tags := awscdk.TagManager_Of(node)
	if tags == nil {
		return
	}
	if name := (*tags.TagValues())["Name"]; name != nil && strings.HasPrefix(*name, a.prefix) {
		tags.SetTag(jsii.String("Name"), jsii.String(strings.TrimPrefix(*name, a.prefix)), jsii.Number(100), jsii.Bool(true))
	}
}

// pipelinePolicies are the reasons for the wildcards in the IAM policies
// CDK Pipelines generates, by the construct path that holds the policy.
var pipelinePolicies = []struct{ path, reason string }{
	{"/Pipeline/Pipeline/Role/", "CDK Pipelines' pipeline role: S3's object-level action groups (GetObject*, GetBucket*, List*, DeleteObject*, Abort*) " +
		"on this pipeline's artifact and replication buckets and their objects (<bucket>/*); KMS's ReEncrypt* and GenerateDataKey* on the artifact key, " +
		"and on Resource * for the replication bucket's key in the other region, which CodePipeline knows only by alias; sts:AssumeRole only on its " +
		"own action roles and on the target accounts' CDK deploy roles"},
	{"/Source/", "CDK Pipelines' source action role: S3's object-level action groups on this pipeline's artifact bucket and its objects, " +
		"KMS's ReEncrypt* and GenerateDataKey* on the artifact key only, and the source's own actions on the org file's one connection " +
		"(UseConnection) or one CodeCommit repository"},
	{"/Build/Synth/CdkBuildProject/Role/", "CodeBuild role of the synth step: log streams of its own log group (/aws/codebuild/<project>:*), " +
		"its own report groups (<project>-*), S3's object-level action groups on the artifact bucket and its objects, KMS's ReEncrypt* and " +
		"GenerateDataKey* on the artifact key only"},
	{"/UpdatePipeline/SelfMutation/Role/", "CodeBuild role of CDK Pipelines' self-update: its own log streams and report groups; sts:AssumeRole " +
		"on the deploying account's roles only where tagged aws-cdk:bootstrap-role deploy or publishing (the CDK bootstrap roles); " +
		"cloudformation:DescribeStacks and s3:ListBucket on *, which the CDK CLI needs to find the bootstrap stack and bucket and which read nothing else; " +
		"read-only S3 action groups on the artifact bucket, KMS's ReEncrypt* and GenerateDataKey* on the artifact key only"},
	{"/Deploy-", "CodeBuild role of a CLI deploy step (cdk deploy --concurrency over a phase too large for one CodePipeline stage): its own " +
		"log streams and report groups, S3's object-level action groups on the artifact bucket and KMS's ReEncrypt* and GenerateDataKey* on the " +
		"artifact key only, and sts:AssumeRole and sts:TagSession on the CDK bootstrap roles (deploy, file-publishing, lookup) of any account " +
		"of the org (aws:ResourceOrgID): 1,000 accounts' role ARNs would pass IAM's inline policy size, and each role trusts only the deploying account"},
	{"/Assets/FileRole/", "CodeBuild role of CDK Pipelines' asset publishing: log groups and report groups of CodeBuild in the deploying account " +
		"(the publishing project's name is not known to the role it uses), codebuild:StartBuild on *, which CDK Pipelines grants for its publishing " +
		"projects, sts:AssumeRole only on the target accounts' CDK file-publishing roles, read-only S3 action groups on the artifact bucket"},
}

// suppressPipeline records why the pipeline's CDK-generated IAM policies
// break cdk-nag's wildcard and inline-policy rules; it panics on a
// generated policy that no reason covers, so that a CDK upgrade that adds
// one is looked at.
func suppressPipeline(stack awscdk.Stack) {
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		r, ok := c.(awscdk.CfnResource)
		if !ok || *r.CfnResourceType() != "AWS::IAM::Policy" {
			continue
		}
		path := *c.Node().Path()
		rules := []nagRule{nag("NIST.800.53.R5-IAMNoInlinePolicy",
			"CDK Pipelines attaches its generated grants to each of its roles as that role's default policy; the roles serve this pipeline alone, so a managed policy would be shared by nothing")}
		for _, p := range pipelinePolicies {
			if strings.Contains(path, p.path) {
				rules = append(rules, nag("AwsSolutions-IAM5", p.reason))
			}
		}
		// The roles that start the builds and, for CodeCommit, the pipeline
		// name their one resource each: no wildcard to explain.
		if len(rules) == 1 && !strings.Contains(path, "/CodeBuildActionRole/") && !strings.Contains(path, "/EventsRole/") {
			panic(fmt.Sprintf("stacks: CDK Pipelines generated the policy %s, which no reason in pipelinePolicies covers", path))
		}
		suppress(r, rules...)
	}
}

// literalRoleArns writes the CloudFormation execution roles that CDK
// Pipelines puts in each deploy action's configuration as literal ARNs:
// CDK joins them with a Ref to AWS::Partition, which cfn-lint rejects
// (E3703) in the action's free-form configuration. The partition is the
// org's. It also drops the pipeline's DependsOn its role, which the
// pipeline's RoleArn already references (cfn-lint W3005).
func literalRoleArns(stack awscdk.Stack, p awscodepipeline.Pipeline, partition string) {
	cfn := p.Node().DefaultChild().(awscodepipeline.CfnPipeline)
	stages, _ := stack.Resolve(cfn.Stages()).([]any)
	for i, st := range stages {
		// Resolved, not yet rendered: the L1's own (camelCase) keys.
		actions, _ := st.(map[string]any)["actions"].([]any)
		for j, a := range actions {
			conf, _ := a.(map[string]any)["configuration"].(map[string]any)
			if arn, ok := literal(conf["RoleArn"], partition); ok {
				cfn.AddPropertyOverride(jsii.String(fmt.Sprintf("Stages.%d.Actions.%d.Configuration.RoleArn", i, j)), arn)
			}
		}
	}
	policy := p.Role().Node().TryFindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddOverride(jsii.String("DependsOn"), []any{stack.GetLogicalId(policy)})
}

// literal is a {"Fn::Join": ["", [...]]} of strings and Refs to
// AWS::Partition as one string, with the partition written out.
func literal(v any, partition string) (string, bool) {
	m, _ := v.(map[string]any)
	join, ok := m["Fn::Join"].([]any)
	if !ok || len(join) != 2 || join[0] != "" {
		return "", false
	}
	parts, _ := join[1].([]any)
	var b strings.Builder
	for _, part := range parts {
		switch x := part.(type) {
		case string:
			b.WriteString(x)
		case map[string]any:
			if x["Ref"] != "AWS::Partition" || len(x) != 1 {
				return "", false
			}
			b.WriteString(partition)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// hardenSupportStack hardens the stack CodePipeline generates in each other
// region for its replication bucket (the artifacts of that region's
// actions): the bucket is versioned and logs its access to a second
// bucket, and its key is retained.
func hardenSupportStack(s awscdk.Stack) {
	var bucket awss3.CfnBucket
	for _, c := range *s.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(awscdk.CfnResource); ok {
			switch *r.CfnResourceType() {
			case "AWS::S3::Bucket":
				bucket = c.(awss3.CfnBucket)
			case "AWS::KMS::Key":
				r.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
				denyGrantsExceptForAWSServices(c.Node().Scope().(awskms.IKey))
			}
		}
	}
	if bucket == nil {
		panic(fmt.Sprintf("stacks: CodePipeline's support stack %s has no replication bucket", *s.StackName()))
	}
	scope := constructs.NewConstruct(s, jsii.String("Replication"))
	scope.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	logs := accessLogBucket(scope, "AccessLogs")
	logs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3ServerAccessLogsPolicy"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*logs.ArnForObjects(jsii.String("replication/*"))),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": bucket.AttrArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": s.Account()},
		},
	}))
	suppress(logs,
		nag("AwsSolutions-S1", "this is the server access log target of CodePipeline's replication bucket; logging it to itself would loop"),
		nag("NIST.800.53.R5-S3BucketLoggingEnabled", "this is the server access log target of CodePipeline's replication bucket; logging it to itself would loop"),
		nag("NIST.800.53.R5-S3DefaultEncryptionKMS", "S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS"),
		nag("NIST.800.53.R5-S3BucketReplicationEnabled", "access logs of the pipeline's replicated artifacts; versioning and retention protect them"),
	)
	// Set on the L1 properties, not as overrides: cdk-nag reads these.
	bucket.SetVersioningConfiguration(&awss3.CfnBucket_VersioningConfigurationProperty{Status: jsii.String("Enabled")})
	bucket.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: logs.BucketName(),
		LogFilePrefix:         jsii.String("replication/"),
	})
	bucket.SetLifecycleConfiguration(&awss3.CfnBucket_LifecycleConfigurationProperty{Rules: &[]any{
		&awss3.CfnBucket_RuleProperty{
			Id: jsii.String("Expire"), Status: jsii.String("Enabled"), ExpirationInDays: jsii.Number(365),
			NoncurrentVersionExpiration: &awss3.CfnBucket_NoncurrentVersionExpirationProperty{NoncurrentDays: jsii.Number(30)},
		},
	}})
	bucket.AddPropertyOverride(jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
	suppress(bucket,
		nag("NIST.800.53.R5-S3BucketReplicationEnabled", "this bucket is itself CodePipeline's copy of the artifacts in this region, rebuilt from the repository on every run"),
	)
}

type nagRule struct{ id, reason string }

func nag(id, reason string) nagRule { return nagRule{id, reason} }

// suppress records on scope's CloudFormation resource the cdk-nag rules it
// breaks on purpose. cdk-nag reads this metadata; without cdk-nag it is inert.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	r, ok := scope.(awscdk.CfnResource)
	if !ok {
		r = scope.Node().DefaultChild().(awscdk.CfnResource)
	}
	out := make([]map[string]string, len(rules))
	for i, n := range rules {
		out[i] = map[string]string{"id": n.id, "reason": n.reason}
	}
	r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
}
