// Package stacks renders the org's plan (package deployplan: which stacks
// in which accounts and regions, what each reads, after what it deploys)
// as CloudFormation stacks: build.go holds one factory per purpose; each
// stack composes constructs from palisade/constructs and reads only its
// slice of the org.
package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/guardrails"
	"github.com/palisade-sec/palisade/constructs/logarchive"
	"github.com/palisade-sec/palisade/deployplan"
)

// Build adds the org's stacks to scope and returns them in creation order:
// it renders deployplan.New(org), the org -> stacks table in plain Go
// (which stacks, what each reads, after what it deploys), through the
// factories below, one per purpose. It is BuildSelected with every stack
// kept. Names and ARNs that cross accounts come from config, never from
// another stack's outputs.
func Build(scope constructs.Construct, org *config.Org) []awscdk.Stack {
	return BuildSelected(scope, org, nil)
}

// BuildSelected adds to scope only the org's stacks whose names keep
// accepts (every stack when keep is nil), with the same constructs and
// props as Build, so that each one synthesizes the same template; a
// pipeline stage and a part of a parallel synth build their stacks this
// way. Dependencies are added only between stacks that are both built.
//
// A detect stack reads its region's archive key from the logarchive stack
// (same account and region): keep must accept both or neither, else
// BuildSelected panics.
func BuildSelected(scope constructs.Construct, org *config.Org, keep func(name string) bool) []awscdk.Stack {
	return BuildPlan(scope, deployplan.New(org), keep)
}

// BuildPlan is BuildSelected of a plan already computed.
func BuildPlan(scope constructs.Construct, plan *deployplan.Plan, keep func(name string) bool) []awscdk.Stack {
	r := &renderer{scope: scope, archiveKeys: map[string]string{}}
	var out []awscdk.Stack
	built := map[string]awscdk.Stack{}
	for i := range plan.Stacks {
		s := &plan.Stacks[i]
		if keep != nil && !keep(s.Name) {
			continue
		}
		factory, ok := factories[s.Purpose]
		if !ok {
			panic(fmt.Sprintf("stacks: the plan has purpose %q (stack %s), which no factory renders: add one to factories", s.Purpose, s.Name))
		}
		st := factory(r, s)
		built[s.Name] = st
		out = append(out, st)
		for _, d := range s.DependsOn {
			if dep, ok := built[d.Stack]; ok {
				st.AddStackDependency(dep, jsii.String(d.Reason))
			}
		}
	}
	return out
}

// renderer holds what one stack's factory hands another in the same app.
type renderer struct {
	scope       constructs.Construct
	archiveKeys map[string]string // logarchive stack name -> its archive key's ARN (a token)
}

// factories renders each purpose of the plan: one factory per purpose,
// which turns the plan's props into the stack's.
var factories = map[string]func(r *renderer, s *deployplan.Stack) awscdk.Stack{
	deployplan.LogArchive: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.LogArchiveProps)
		st := NewLogArchive(r.scope, s.Name, &LogArchiveProps{
			StackName:         s.Name,
			Description:       s.Description,
			Account:           s.Account.ID,
			Region:            s.Region,
			BucketName:        p.BucketName,
			KeyAlias:          p.KeyAlias,
			OrganizationID:    p.OrganizationID,
			TrailArns:         p.TrailArns,
			GuardDutyExport:   p.GuardDutyExport,
			Archive:           p.Archive,
			DestinationName:   p.DestinationName,
			ForwardLogGroups:  p.ForwardLogGroups,
			LogGroupRetention: retention(p.LogGroupRetention),
		})
		r.archiveKeys[s.Name] = *st.Archive.Key.KeyArn()
		return st.Stack
	},
	deployplan.Network: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.NetworkProps)
		return NewNetwork(r.scope, s.Name, &NetworkProps{
			StackName:        s.Name,
			Description:      s.Description,
			Account:          s.Account.ID,
			Region:           s.Region,
			VPC:              p.VPC,
			ArchiveBucketArn: p.ArchiveBucketArn,
			DestinationArn:   p.DestinationArn,
			DemoInstance:     p.DemoInstance,
		}).Stack
	},
	deployplan.Logs: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.LogsProps)
		return NewLogForward(r.scope, s.Name, &LogForwardProps{
			StackName:         s.Name,
			Description:       s.Description,
			Account:           s.Account.ID,
			Region:            s.Region,
			DestinationArn:    p.DestinationArn,
			ForwardLogGroups:  p.ForwardLogGroups,
			LogGroupRetention: retention(p.LogGroupRetention),
		})
	},
	deployplan.FanOut: fanOutFactory,
	deployplan.OrgAdmin: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.OrgAdminProps)
		var rails *guardrails.Props
		if g := p.Guardrails; g != nil {
			rails = &guardrails.Props{
				TargetIds:           g.TargetIds,
				ProtectedStackNames: g.ProtectedStackNames,
				ForwardedLogGroups:  g.ForwardedLogGroups,
				LogDestinations:     g.LogDestinations,
				FunctionRoleArns:    g.FunctionRoleArns,
				FunctionNames:       g.FunctionNames,
				FunctionRoleActions: g.FunctionRoleActions,
				DeployingAccounts:   g.DeployingAccounts,
				AllowedRegions:      g.AllowedRegions,
			}
			if len(g.MoreExemptRoleArns) > 0 {
				rails.ExemptRoleArns = append(slices.Clone(guardrails.DefaultExemptRoleArns), g.MoreExemptRoleArns...)
			}
		}
		return NewOrgAdmin(r.scope, s.Name, &OrgAdminProps{
			StackName:              s.Name,
			Description:            s.Description,
			Account:                s.Account.ID,
			Region:                 s.Region,
			SecurityAccount:        p.SecurityAccount,
			Home:                   s.Home,
			Guardrails:             rails,
			Inspector:              p.Inspector,
			StackSetsTrustedAccess: p.StackSetsTrustedAccess,
		})
	},
	deployplan.Trail: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.TrailProps)
		return NewTrail(r.scope, s.Name, &TrailProps{
			StackName:   s.Name,
			Description: s.Description,
			Account:     s.Account.ID,
			Region:      s.Region,
			TrailName:   p.TrailName,
			BucketName:  p.BucketName,
			KeyAliasArn: p.KeyAliasArn,
			Trail:       p.Trail,
			CISAlarms:   p.CISAlarms,
			AlarmEmails: p.AlarmEmails,
		})
	},
	deployplan.Detect: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.DetectProps)
		key, ok := r.archiveKeys[p.ArchiveKeyFrom]
		if !ok {
			panic(fmt.Sprintf("stacks.BuildSelected: keep accepts %s but not %s, whose archive key it reads; keep both or neither", s.Name, p.ArchiveKeyFrom))
		}
		return NewDetect(r.scope, s.Name, &DetectProps{
			StackName:         s.Name,
			Description:       s.Description,
			Account:           s.Account.ID,
			Region:            s.Region,
			Home:              s.Home,
			LinkedRegions:     p.LinkedRegions,
			Detection:         p.Detection,
			FindingsBucketArn: p.ArchiveBucketArn + "/" + logarchive.GuardDutyPrefix,
			FindingsKeyArn:    key,
			FunctionName:      p.FunctionName,
			MemberAccounts:    p.MemberAccounts,
		})
	},
	deployplan.Baseline: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.BaselineProps)
		return NewBaseline(r.scope, s.Name, &BaselineProps{
			StackName:         s.Name,
			Description:       s.Description,
			Account:           s.Account.ID,
			Region:            s.Region,
			Home:              s.Home,
			ArchiveBucketName: p.ArchiveBucketName,
			Compliance:        p.Compliance,
			InstanceRoleName:  p.InstanceRoleName,
		})
	},
	deployplan.Sessions: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.SessionsProps)
		return NewSessions(r.scope, s.Name, &SessionsProps{
			StackName:             s.Name,
			Description:           s.Description,
			Account:               s.Account.ID,
			Region:                s.Region,
			Home:                  s.Home,
			ArchiveBucketName:     p.ArchiveBucketName,
			ArchiveKeyAliasArn:    p.ArchiveKeyAliasArn,
			Sessions:              p.Sessions,
			LogGroups:             p.LogGroups,
			LogGroupRetentionDays: p.LogGroupRetentionDays,
		})
	},
	deployplan.Compliance: func(r *renderer, s *deployplan.Stack) awscdk.Stack {
		p := s.Props.(*deployplan.ComplianceProps)
		return NewCompliance(r.scope, s.Name, &ComplianceProps{
			StackName:   s.Name,
			Description: s.Description,
			Account:     s.Account.ID,
			Region:      s.Region,
			Home:        s.Home,
			PackName:    p.PackName,
			Compliance:  p.Compliance,
		})
	},
}

// DeployFunctionName is deployplan.DeployFunctionName: the security
// account's deploy-time function and its role, which the guardrails exempt
// and protect (guardrails.Props FunctionRoleArns and FunctionNames).
func DeployFunctionName(org, region string) string {
	return deployplan.DeployFunctionName(org, region)
}

// InstanceRoleName is the name of the instance role (and profile) of
// Session Manager's stack in region, which remediation attaches to
// instances that have no profile (deployplan.InstanceRoleName).
func InstanceRoleName(region string) string { return deployplan.InstanceRoleName(region) }

// StackName is <org>-<purpose>-<account>-<region>, the name of every stack
// (deployplan.StackName).
func StackName(org, purpose, account, region string) string {
	return deployplan.StackName(org, purpose, account, region)
}

// retention converts days (validated by config against the same list) to
// the CDK enum; 0 means the construct's default.
func retention(days int) awslogs.RetentionDays {
	return retentionDays[days]
}

var retentionDays = map[int]awslogs.RetentionDays{
	1:    awslogs.RetentionDays_ONE_DAY,
	3:    awslogs.RetentionDays_THREE_DAYS,
	5:    awslogs.RetentionDays_FIVE_DAYS,
	7:    awslogs.RetentionDays_ONE_WEEK,
	14:   awslogs.RetentionDays_TWO_WEEKS,
	30:   awslogs.RetentionDays_ONE_MONTH,
	60:   awslogs.RetentionDays_TWO_MONTHS,
	90:   awslogs.RetentionDays_THREE_MONTHS,
	120:  awslogs.RetentionDays_FOUR_MONTHS,
	150:  awslogs.RetentionDays_FIVE_MONTHS,
	180:  awslogs.RetentionDays_SIX_MONTHS,
	365:  awslogs.RetentionDays_ONE_YEAR,
	400:  awslogs.RetentionDays_THIRTEEN_MONTHS,
	545:  awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731:  awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS,
	2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS,
	2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}
