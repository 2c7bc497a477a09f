package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/test/emulator"
)

// The logging layer, checked across accounts: the security account's
// central archive, log drain (destination and Firehose stream) and its
// forwarded log groups in every region; every other account's forwarded log
// groups subscribed to the drain of their region; the management account's
// organization trail into the home region's archive; termination
// protection on the stacks that hold the archive and the trail.

// held is every deployed stack's resources, to name the stack and logical
// id of a resource found by its physical id.
type held struct {
	stacks []heldStack
}

type heldStack struct {
	name, account, region string
	res                   resources
}

func (v *verifier) heldResources(ctx context.Context, asm *assembly) (*held, error) {
	h := &held{}
	for _, s := range asm.stacks {
		cl := newClients(v.endpoint, s.account, s.region, v.creds[s.account])
		list, err := stackResources(ctx, cl, s.name)
		if err != nil {
			continue // reported by the stack's own checks
		}
		res := resources{}
		for _, r := range list {
			res[aws.ToString(r.ResourceType)] = append(res[aws.ToString(r.ResourceType)], r)
		}
		h.stacks = append(h.stacks, heldStack{s.name, s.account, s.region, res})
	}
	// The stacks StackSets deployed for the fanout stack's stack sets
	// (fanout_test.go) hold the file's workload accounts' log groups.
	sets, err := v.stackSetStacks(ctx)
	if err != nil {
		return nil, err
	}
	h.stacks = append(h.stacks, sets...)
	return h, nil
}

// find returns the stack of account and region holding a resource of typ
// with physical id, and its label. When none does, the stack is the one
// of that account and region holding other resources of typ (where the
// resource was expected), or "", and the label is the id and type alone.
func (h *held) find(account, region, typ, id string) (stack, label string) {
	for _, s := range h.stacks {
		if s.account == account && s.region == region && slices.Contains(s.res.ids(typ), id) {
			return s.name, s.res.label(id, typ)
		}
	}
	for _, s := range h.stacks {
		if s.account == account && s.region == region && len(s.res[typ]) > 0 && len(s.res["AWS::Logs::SubscriptionFilter"]) > 0 {
			return s.name, fmt.Sprintf("%s [%s]", id, typ)
		}
	}
	return "", fmt.Sprintf("%s [%s]", id, typ)
}

// logTarget is a target for one account and region's logging checks; each
// finding names the stack that holds (or should hold) the resource.
type logChecker struct {
	t *target
	c *checker
}

func newLogChecker(title, account, region string) *logChecker {
	t := &target{title: title, account: account, region: region}
	return &logChecker{t: t, c: &checker{t: t}}
}

// failIn records a finding in stack (which may be "").
func (l *logChecker) failIn(stack, resource, format string, args ...any) {
	l.c.cur.findings = append(l.c.cur.findings, finding{
		account: l.t.account, region: l.t.region, stack: stack,
		resource: resource, problem: fmt.Sprintf(format, args...),
	})
}

func (v *verifier) destinationArn(region string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:destination:%s", region, v.org.AccountByRole(config.RoleSecurity).ID, v.org.LogDestinationName())
}

// logging runs every logging check.
func (v *verifier) logging(ctx context.Context, asm *assembly) ([]*target, error) {
	h, err := v.heldResources(ctx, asm)
	if err != nil {
		return nil, err
	}
	var out []*target
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	for _, r := range v.org.Regions {
		t, err := v.archive(ctx, h, sec, r)
		if err != nil {
			return nil, fmt.Errorf("%s %s: log archive: %w", sec, r, err)
		}
		out = append(out, t)
	}
	for _, a := range v.org.Accounts {
		if a.Role == config.RoleManagement {
			continue
		}
		for _, r := range v.org.Regions {
			t, err := v.forwarded(ctx, h, a.ID, r)
			if err != nil {
				return nil, fmt.Errorf("%s %s: forwarded log groups: %w", a.ID, r, err)
			}
			out = append(out, t)
		}
	}
	t, err := v.trail(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("organization trail: %w", err)
	}
	return append(out, t), nil
}

// archive checks the security account's central archive and log drain in
// region.
func (v *verifier) archive(ctx context.Context, h *held, sec, region string) (*target, error) {
	l := newLogChecker("log archive and drain", sec, region)
	cl := newClients(v.endpoint, sec, region, v.creds[sec])
	bucket := v.org.ArchiveBucketName(region)
	stack, label := h.find(sec, region, typeBucket, bucket)

	l.c.start("central archive")
	key, err := bucketKMSKey(ctx, cl, bucket)
	if err != nil {
		return nil, err
	}
	if _, err := cl.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		l.failIn(stack, label, "the central archive does not exist in the security account: %v", err)
		return l.t, nil
	}
	if !strings.Contains(label, "["+typeBucket+" ") {
		l.failIn(stack, label, "the central archive exists but no deployed stack of %s %s holds it", sec, region)
	}
	alias := v.org.ArchiveKeyAlias()
	aliased := ""
	if d, err := cl.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)}); err != nil {
		l.failIn(stack, alias+" [AWS::KMS::Alias]", "does not exist: %v", err)
	} else {
		aliased = aws.ToString(d.KeyMetadata.KeyId)
	}
	switch keyID := key[strings.LastIndex(key, "/")+1:]; {
	case key == "":
		l.failIn(stack, label, "is not encrypted with SSE-KMS")
	case aliased != "" && keyID != aliased:
		l.failIn(stack, label, "is encrypted with %s, not with the key of %s (%s)", key, alias, aliased)
	}
	ver, err := cl.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, err
	}
	if ver.Status != "Enabled" {
		l.failIn(stack, label, "versioning is %q, want Enabled", ver.Status)
	}
	l.c.seen("%s in %s: SSE-KMS with %s (%s), versioned", bucket, stack, alias, aliased)

	l.c.start("log destination")
	name := v.org.LogDestinationName()
	destArn := v.destinationArn(region)
	d, err := cl.logs.DescribeDestinations(ctx, &cloudwatchlogs.DescribeDestinationsInput{DestinationNamePrefix: aws.String(name)})
	if err != nil {
		return nil, err
	}
	var target string
	found := false
	for _, dst := range d.Destinations {
		if aws.ToString(dst.DestinationName) != name {
			continue
		}
		found = true
		dstack, dlabel := h.find(sec, region, "AWS::Logs::Destination", name)
		if got := aws.ToString(dst.Arn); got != destArn {
			l.failIn(dstack, dlabel, "ARN is %s, want %s", got, destArn)
		}
		principals, orgs, err := destinationPrincipals(aws.ToString(dst.AccessPolicy))
		if err != nil {
			l.failIn(dstack, dlabel, "access policy: %v", err)
		}
		// The organization's accounts, whichever they are: any principal
		// (Principal "*") whose account is in the organization
		// (aws:PrincipalOrgID), and nobody by name.
		if !slices.Equal(principals, []string{"*"}) || !slices.Equal(orgs, []string{v.org.OrganizationID}) {
			l.failIn(dstack, dlabel, "access policy admits %v in organizations %v to subscribe, want * in %s only", principals, orgs, v.org.OrganizationID)
		}
		target = aws.ToString(dst.TargetArn)
		l.c.seen("%s in %s, open to %s in %s, into %s", destArn, dstack, strings.Join(principals, ", "), strings.Join(orgs, ", "), target)
	}
	if !found {
		st, lb := h.find(sec, region, "AWS::Logs::Destination", name)
		l.failIn(st, lb, "the log drain's destination does not exist in the security account")
	}

	l.c.start("delivery stream")
	if target == "" || !strings.Contains(target, ":deliverystream/") {
		l.failIn(stack, "destination "+name, "targets %q, not a Firehose delivery stream", target)
		return l.t, nil
	}
	streamName := target[strings.LastIndex(target, "/")+1:]
	fstack, flabel := h.find(sec, region, "AWS::KinesisFirehose::DeliveryStream", streamName)
	s, err := v.describeDeliveryStream(ctx, sec, region, streamName)
	if err != nil {
		l.failIn(fstack, flabel, "does not exist: %v", err)
		return l.t, nil
	}
	wantBucket := "arn:aws:s3:::" + bucket
	var buckets []string
	for _, dst := range s.DeliveryStreamDescription.Destinations {
		for _, d := range []*s3Destination{dst.ExtendedS3, dst.S3} {
			if d == nil {
				continue
			}
			buckets = append(buckets, d.BucketARN)
			if d.BucketARN == wantBucket && !strings.HasPrefix(d.Prefix, "cwlogs/") {
				l.failIn(fstack, flabel, "writes to prefix %q, want under cwlogs/", d.Prefix)
			}
		}
	}
	// Firehose describes an extended S3 destination twice, as extended and
	// as plain S3 (AWS does, for older clients; so does moto).
	slices.Sort(buckets)
	buckets = slices.Compact(buckets)
	if !slices.Equal(buckets, []string{wantBucket}) {
		l.failIn(fstack, flabel, "delivers to %v, want only the archive %s", buckets, wantBucket)
	}
	l.c.seen("%s in %s delivers to %s under cwlogs/", streamName, fstack, strings.Join(buckets, ", "))

	l.c.start("termination protection")
	v.terminationProtected(ctx, l, cl, stack)
	return l.t, nil
}

// terminationProtected checks that stack has termination protection on.
func (v *verifier) terminationProtected(ctx context.Context, l *logChecker, cl *clients, stack string) {
	if stack == "" {
		l.c.seen("no stack to check")
		return
	}
	d, err := cl.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		l.failIn(stack, stack, "not deployed: %v", err)
		return
	}
	if !aws.ToBool(d.Stacks[0].EnableTerminationProtection) {
		l.failIn(stack, stack, "termination protection is off")
	}
	l.c.seen("%s: on", stack)
}

// destinationPrincipals returns the AWS principals a destination's access
// policy allows logs:PutSubscriptionFilter, and the organizations its
// statements fence them to (aws:PrincipalOrgID, StringEquals), if any: a
// statement without that condition adds "" to them.
func destinationPrincipals(policy string) (principals, orgs []string, err error) {
	var p struct {
		Statement []struct {
			Effect    string
			Action    json.RawMessage
			Principal json.RawMessage
			Condition map[string]map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return nil, nil, err
	}
	strs := func(raw json.RawMessage) []string {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return []string{one}
		}
		var list []string
		_ = json.Unmarshal(raw, &list)
		return list
	}
	for _, s := range p.Statement {
		if s.Effect != "Allow" || !strings.Contains(string(s.Action), "logs:PutSubscriptionFilter") && !strings.Contains(string(s.Action), `"logs:*"`) {
			continue
		}
		var who struct{ AWS json.RawMessage }
		if json.Unmarshal(s.Principal, &who) == nil && who.AWS != nil {
			principals = append(principals, strs(who.AWS)...)
		} else {
			principals = append(principals, strs(s.Principal)...) // "Principal": "*"
		}
		if ids := s.Condition["StringEquals"]["aws:PrincipalOrgID"]; ids != nil {
			orgs = append(orgs, strs(ids)...)
		} else {
			orgs = append(orgs, "")
		}
	}
	slices.Sort(principals)
	slices.Sort(orgs)
	return slices.Compact(principals), slices.Compact(orgs), nil
}

// forwarded checks that every log group the org file forwards exists in
// account and region, KMS-encrypted, with its retention, and subscribed to
// the drain's destination of the region.
func (v *verifier) forwarded(ctx context.Context, h *held, account, region string) (*target, error) {
	l := newLogChecker("forwarded log groups", account, region)
	cl := newClients(v.endpoint, account, region, v.creds[account])
	l.c.start("forwarded log groups")
	dest := v.destinationArn(region)
	for _, group := range v.org.Logging.ForwardLogGroups {
		stack, label := h.find(account, region, "AWS::Logs::LogGroup", group)
		g, err := cl.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(g.LogGroups, func(lg cwltypes.LogGroup) bool { return aws.ToString(lg.LogGroupName) == group })
		if i < 0 {
			l.failIn(stack, label, "does not exist")
			continue
		}
		lg := g.LogGroups[i]
		if !strings.Contains(label, "[AWS::Logs::LogGroup ") {
			l.failIn(stack, label, "exists but no deployed stack of %s %s holds it", account, region)
		}
		if aws.ToString(lg.KmsKeyId) == "" {
			l.failIn(stack, label, "is not encrypted with a KMS key")
		}
		if r := int(aws.ToInt32(lg.RetentionInDays)); r != v.org.Logging.LogGroupRetentionDays {
			l.failIn(stack, label, "retention %d days, want %d", r, v.org.Logging.LogGroupRetentionDays)
		}
		if err := subscribedTo(ctx, cl, group, dest, func(format string, args ...any) { l.failIn(stack, label, format, args...) }); err != nil {
			return nil, err
		}
	}
	l.c.seen("%s: KMS, %d days, subscribed to %s", orNone(v.org.Logging.ForwardLogGroups), v.org.Logging.LogGroupRetentionDays, dest)
	return l.t, nil
}

// subscribedTo checks that group has a subscription filter to dest, with a
// role of the group's own account: a destination whose access policy admits
// an organization refuses a filter without one (CloudWatch Logs User Guide,
// "Step 2: (Only if using an organization) Create an IAM role").
func subscribedTo(ctx context.Context, cl *clients, group, dest string, fail func(string, ...any)) error {
	f, err := cl.logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group)})
	if err != nil {
		return err
	}
	var got []string
	for _, s := range f.SubscriptionFilters {
		got = append(got, aws.ToString(s.DestinationArn))
		if aws.ToString(s.DestinationArn) == dest && !strings.HasPrefix(aws.ToString(s.RoleArn), "arn:aws:iam::"+cl.account+":role/") {
			fail("is forwarded to %s with role %q, want a role of account %s (the destination admits an organization)", dest, aws.ToString(s.RoleArn), cl.account)
		}
	}
	if !slices.Contains(got, dest) {
		fail("is not forwarded to %s (subscription filters to %s)", dest, orNone(got))
	}
	return nil
}

// trail checks the management account's organization trail in the home
// region.
func (v *verifier) trail(ctx context.Context, h *held) (*target, error) {
	mgmt, home := v.org.Management().ID, v.org.HomeRegion
	l := newLogChecker("organization trail", mgmt, home)
	cl := newClients(v.endpoint, mgmt, home, v.creds[mgmt])
	name := v.org.TrailName()
	l.c.start("organization trail")
	ct := cloudtrail.NewFromConfig(sdkConfig(v.endpoint, home, v.creds[mgmt]))
	out, err := ct.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(name)})
	var stack, label string
	if err == nil {
		stack, label = h.find(mgmt, home, "AWS::CloudTrail::Trail", aws.ToString(out.Trail.Name))
	}
	if stack == "" {
		stack, label = h.find(mgmt, home, "AWS::CloudTrail::Trail", name)
	}
	if err != nil {
		l.failIn(stack, label, "the organization trail does not exist in the management account: %v", err)
		return l.t, nil
	}
	tr := out.Trail
	if !aws.ToBool(tr.IsOrganizationTrail) {
		l.failIn(stack, label, "is not an organization trail")
	}
	if !aws.ToBool(tr.IsMultiRegionTrail) {
		l.failIn(stack, label, "is not multi-region")
	}
	if !aws.ToBool(tr.LogFileValidationEnabled) {
		l.failIn(stack, label, "log file validation is off")
	}
	if b, want := aws.ToString(tr.S3BucketName), v.org.ArchiveBucketName(home); b != want {
		l.failIn(stack, label, "delivers to bucket %s, want the central archive %s", b, want)
	}
	if k, want := aws.ToString(tr.KmsKeyId), v.org.ArchiveKeyAliasArn(v.org.Partition(), home); k != want {
		l.failIn(stack, label, "is encrypted with %q, want the archive key %s", k, want)
	}
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if !aws.ToBool(st.IsLogging) {
		l.failIn(stack, label, "is not logging")
	}
	l.c.seen("%s in %s: organization, multi-region, log file validation, logging, into %s with %s",
		name, stack, aws.ToString(tr.S3BucketName), aws.ToString(tr.KmsKeyId))

	l.c.start("termination protection")
	v.terminationProtected(ctx, l, cl, stack)
	return l.t, nil
}

// Firehose: the lane calls its JSON API directly (DescribeDeliveryStream
// only), signed like the SDK's clients, rather than add an SDK module for
// one read.

type s3Destination struct {
	BucketARN string
	Prefix    string
}

type deliveryStream struct {
	DeliveryStreamDescription struct {
		DeliveryStreamName string
		Destinations       []struct {
			ExtendedS3 *s3Destination `json:"ExtendedS3DestinationDescription"`
			S3         *s3Destination `json:"S3DestinationDescription"`
		}
	}
}

func (v *verifier) describeDeliveryStream(ctx context.Context, account, region, name string) (*deliveryStream, error) {
	body, _ := json.Marshal(map[string]string{"DeliveryStreamName": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Firehose_20150804.DescribeDeliveryStream")
	req.Header.Set("x-moto-account-id", account)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, v.creds[account], req, hex.EncodeToString(sum[:]), "firehose", region, time.Now()); err != nil {
		return nil, err
	}
	status, data, err := emulator.Call(req)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("DescribeDeliveryStream %s: HTTP %d: %s", name, status, bytes.TrimSpace(data))
	}
	var out deliveryStream
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("DescribeDeliveryStream %s: %w", name, err)
	}
	return &out, nil
}

// TestDestinationPrincipals: the destination check tells an organization's
// access policy from one that lists accounts, or admits anyone. No
// emulator: it runs with -short.
func TestDestinationPrincipals(t *testing.T) {
	for _, c := range []struct {
		policy           string
		principals, orgs []string
	}{
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"logs:PutSubscriptionFilter","Resource":"x",` +
			`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-exampleorg1"}}}]}`, []string{"*"}, []string{"o-exampleorg1"}},
		{`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["333333333333","444444444444"]},"Action":"logs:PutSubscriptionFilter","Resource":"x"}]}`,
			[]string{"333333333333", "444444444444"}, []string{""}},
		{`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"logs:PutSubscriptionFilter","Resource":"x"}]}`, []string{"*"}, []string{""}},
		{`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"logs:PutSubscriptionFilter","Resource":"x"}]}`, nil, nil},
	} {
		p, o, err := destinationPrincipals(c.policy)
		if err != nil || !slices.Equal(p, c.principals) || !slices.Equal(o, c.orgs) {
			t.Errorf("destinationPrincipals(%s) = %v, %v, %v; want %v, %v", c.policy, p, o, err, c.principals, c.orgs)
		}
	}
}
