package config

import (
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Defaults applied to a VPC.
const (
	defaultAZCount             = 2
	defaultPublicSubnetMask    = 24
	defaultPrivateSubnetMask   = 20
	defaultRetentionDays       = 365
	defaultGlacierDays         = 90
	maxObjectLockDays          = 36500
	defaultTrailCloudWatchLogs = true
	// Every forwarded log group is named, twice, in the guardrail SCP
	// ProtectSecurityBaseline, which AWS Organizations limits to 5,120
	// characters (constructs/guardrails checks the sum fits, with room for
	// five exempt roles).
	maxForwardLogGroups     = 10
	maxForwardLogGroupChars = 600
	minAZCount              = 2
	maxAZCount              = 6
)

var (
	orgNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	// An organization id: "o-" and 10 to 32 lowercase letters or digits
	// (AWS Organizations API reference, Organization.Id).
	orgIDRE       = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	accountNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	logGroupRE    = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	// reservedLogGroupRE: log group names starting with aws/ are AWS's.
	reservedLogGroupRE = regexp.MustCompile(`^aws/`)

	// cidrRE is the shape of a CIDR that validateCIDR accepts, for the
	// schema: an IPv4 address (no leading zeros, as netip.ParsePrefix
	// wants) inside one of privateRanges, /minMask to /maxMask. Whether it
	// is a network address is left to validateCIDR; a test keeps the two in
	// step.
	cidrRE = func() *regexp.Regexp {
		const octet = `(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`
		masks := make([]string, 0, maxMask-minMask+1)
		for m := maxMask; m >= minMask; m-- {
			masks = append(masks, strconv.Itoa(m))
		}
		return regexp.MustCompile(`^(10\.` + octet + `|172\.(1[6-9]|2[0-9]|3[01])|192\.168)\.` + octet + `\.` + octet + `/(` + strings.Join(masks, "|") + `)$`)
	}()
	// zoneRE is an availability zone name: a known region and a letter.
	zoneRE = regexp.MustCompile(`^(` + strings.Join(knownRegions(), "|") + `)[a-z]$`)

	profiles       = []string{defaultProfile, "lean"}
	defaultProfile = "default"

	roles = []Role{RoleManagement, RoleSecurity, RoleWorkload}
	// objectLockModes are S3 Object Lock's modes, in the lower case the org
	// file shows; the loader takes any case.
	objectLockModes = []string{"governance", "compliance"}
	natStrategy     = []NATStrategy{NATPerAZ, NATSingle, NATNone}

	// interfaceEndpoints are the AWS services a VPC can have interface
	// endpoints for, by the name that follows com.amazonaws.<region>.
	interfaceEndpoints = []string{
		"ssm", "ssmmessages", "ec2messages", "kms", "logs", "sts", "secretsmanager",
		"monitoring", "ecr.api", "ecr.dkr", "ec2", "sns", "sqs", "events",
	}

	// retentionDays are the retention periods CloudWatch Logs accepts.
	retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

	privateRanges = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
)

// require reports whether parent.name holds a value, and reports it missing
// (at the parent's position) when it holds none and was not already
// reported as the wrong type.
func (d *decoder) require(parent, name, what string) bool {
	p := join(parent, name)
	if d.set[p] {
		return true
	}
	if !d.bad[p] {
		pos, ok := d.pos[p] // present but null
		if !ok {
			pos = d.pos[parent]
		}
		d.errorAt(pos, p, "is required: %s", what)
	}
	return false
}

func (d *decoder) validate(org *Org) {
	if !d.rootOK {
		return
	}
	if d.require("", "name", "the org's name, used in stack names") && !orgNameRE.MatchString(org.Name) {
		d.errorf("name", "%q is not a valid org name: use 1 to 20 lowercase letters, digits and hyphens, starting with a letter", org.Name)
	}

	if d.require("", "organizationId", "the AWS Organizations id (o-...) that cross-account policies are scoped to; aws organizations describe-organization --query Organization.Id prints it") && !orgIDRE.MatchString(org.OrganizationID) {
		d.errorf("organizationId", "%q is not an organization id: use o- and 10 to 32 lowercase letters or digits, as aws organizations describe-organization --query Organization.Id prints it", org.OrganizationID)
	}

	listed := d.validateRegions(org)

	if d.require("", "homeRegion", "one of regions, where org-wide resources live") && listed != nil && !listed[org.HomeRegion] {
		d.errorf("homeRegion", "%q is not in regions (%s); add it there or pick one of them", org.HomeRegion, strings.Join(org.Regions, ", "))
	}

	if d.profile != "" {
		org.Profile = d.profile
	}
	switch {
	case org.Profile == "":
		org.Profile = defaultProfile
	case !slices.Contains(profiles, org.Profile):
		d.errorf("profile", "%q is not a profile; use %s", org.Profile, strings.Join(profiles, " or "))
	}
	d.lean = org.Profile == "lean"
	d.validateAccounts(org)
	d.validateVPCs(org, listed)
	d.validateLogging(&org.Logging)
	d.validateSecurity(&org.Detection)
	d.validateCompliance(&org.Compliance, org.Logging.Trail)
	for i, u := range org.Compliance.UnmanagedAccounts {
		for j, a := range org.Accounts {
			if u.ID != "" && u.ID == a.ID {
				d.errorf(join(item("compliance.unmanagedAccounts", i), "id"), "%q is accounts[%d] (%s) of this file, which palisade manages; drop it from unmanagedAccounts", u.ID, j, a.Name)
			}
		}
	}
	d.validateSessions(&org.Sessions)
	d.validateDeployment(org)
}

// validateRegions checks the regions list and returns the set of regions it
// names, or nil when the list itself is unusable.
func (d *decoder) validateRegions(org *Org) map[string]bool {
	if !d.require("", "regions", "the list of regions to deploy to, like [us-east-1]") {
		return nil
	}
	if len(org.Regions) == 0 {
		d.errorf("regions", "is empty: list at least one region, like [us-east-1]")
		return nil
	}
	listed := map[string]bool{}
	first := map[string]int{}
	for i, r := range org.Regions {
		p := item("regions", i)
		listed[r] = true
		if !d.set[p] {
			if !d.bad[p] {
				d.errorf(p, "is empty: name a region, like us-east-1")
			}
			continue
		}
		if _, ok := regionZones[r]; !ok {
			d.errorf(p, "%s", unknownRegion(r))
		}
		if j, dup := first[r]; dup {
			d.errorf(p, "duplicate region %q; it is already regions[%d]", r, j)
			continue
		}
		first[r] = i
	}
	return listed
}

func unknownRegion(r string) string {
	if near := closestRegion(r); near != "" {
		return fmt.Sprintf("%q is not an AWS commercial region; the closest is %s", r, near)
	}
	return fmt.Sprintf("%q is not an AWS commercial region; use one of %s", r, strings.Join(knownRegions(), ", "))
}

func knownRegions() []string {
	var out []string
	for r := range regionZones {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// closestRegion returns the known region within two edits of r, if any.
func closestRegion(r string) string {
	best, bestDist := "", 3
	for _, k := range knownRegions() {
		if dist := editDistance(strings.ToLower(r), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, computed only
// for short strings (region names); longer ones count as far apart.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) validateAccounts(org *Org) {
	if !d.require("", "accounts", "the list of accounts, with one management and one security account") {
		return
	}
	if len(org.Accounts) == 0 {
		d.errorf("accounts", "is empty: an org needs one management account, one security account and any number of workload accounts")
		return
	}
	names := map[string]int{}
	ids := map[string]int{}
	byRole := map[Role][]int{}
	rolesKnown := true
	for i := range org.Accounts {
		acc := &org.Accounts[i]
		p := item("accounts", i)
		if d.bad[p] {
			rolesKnown = false
			continue
		}
		if d.require(p, "name", "a short lowercase name, like prod") {
			np := join(p, "name")
			switch j, dup := names[acc.Name]; {
			case !accountNameRE.MatchString(acc.Name):
				d.errorf(np, "%q is not a valid account name: use 1 to 32 lowercase letters, digits and hyphens, starting with a letter", acc.Name)
			case dup:
				d.errorf(np, "duplicate account name %q; accounts[%d] already has it", acc.Name, j)
			default:
				names[acc.Name] = i
			}
		}
		if d.require(p, "id", `the 12-digit AWS account id, quoted, like "123456789012"`) {
			ip := join(p, "id")
			switch j, dup := ids[acc.ID]; {
			case !accountIDRE.MatchString(acc.ID):
				d.errorf(ip, "%q is not a valid AWS account id: use exactly 12 digits", acc.ID)
			case dup:
				d.errorf(ip, "duplicate account id %q; accounts[%d] already has it", acc.ID, j)
			default:
				ids[acc.ID] = i
			}
		}
		if d.require(p, "role", "one of "+joinValues(roles)) {
			if slices.Contains(roles, acc.Role) {
				byRole[acc.Role] = append(byRole[acc.Role], i)
			} else {
				d.errorf(join(p, "role"), "%q is not a valid role; use one of %s", acc.Role, joinValues(roles))
				rolesKnown = false
			}
		} else {
			rolesKnown = false
		}
		if acc.Role == RoleManagement && len(acc.VPCs) > 0 {
			d.errorf(join(p, "vpcs"), "the management account holds no workloads, so it has no VPCs; move the VPC to a workload account")
		}
	}
	for _, r := range []Role{RoleManagement, RoleSecurity} {
		found := byRole[r]
		if len(found) == 0 && rolesKnown {
			d.errorf("accounts", "no %s account: exactly one account needs role: %s", r, r)
		}
		for _, i := range found[min(1, len(found)):] {
			d.errorf(join(item("accounts", i), "role"), "a second %s account; accounts[%d] is already the %s account and an org has exactly one", r, found[0], r)
		}
	}
}

func joinValues[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// cidrRef is a valid VPC CIDR, for the org-wide overlap check.
type cidrRef struct {
	path   string
	prefix netip.Prefix
}

func (d *decoder) validateVPCs(org *Org, listed map[string]bool) {
	var cidrs []cidrRef
	for _, ref := range d.vpcs {
		if d.bad[ref.path] || d.bad[item("accounts", ref.account)] {
			continue
		}
		if listed != nil && !listed[ref.region] {
			d.errorf(ref.path, "region %q is not in regions (%s); add it there or remove this VPC", ref.region, strings.Join(org.Regions, ", "))
		}
		if prefix, ok := d.validateVPC(ref.path, ref.region, ref.vpc); ok {
			cidrs = append(cidrs, cidrRef{join(ref.path, "cidr"), prefix})
		}
	}
	for i, a := range cidrs {
		for _, b := range cidrs[:i] {
			if a.prefix.Overlaps(b.prefix) {
				d.errorf(a.path, "%s overlaps %s at %s; VPC CIDRs must not overlap anywhere in the org", a.prefix, b.prefix, b.path)
			}
		}
	}
}

// validateVPC checks one VPC and applies its defaults. It returns the
// VPC's prefix when the CIDR itself is valid.
func (d *decoder) validateVPC(p, region string, v *VPC) (netip.Prefix, bool) {
	prefix, cidrOK := d.validateCIDR(p, v.CIDR)
	zonesOK := d.validateZones(p, region, v)

	// NAT gateways and public subnets
	natOK := true
	np := join(p, "natGateways")
	if !d.set[np] {
		natOK = !d.bad[np]
		v.NATGateways = NATPerAZ
		if d.lean {
			v.NATGateways = NATSingle
		}
	} else if !slices.Contains(natStrategy, v.NATGateways) {
		d.errorf(np, "%q is not a valid natGateways value; use one of %s", v.NATGateways, joinValues(natStrategy))
		natOK = false
	}
	pp := join(p, "publicSubnets")
	if !d.set[pp] {
		v.PublicSubnets = v.NATGateways != NATNone
	} else if natOK && !v.PublicSubnets && v.NATGateways != NATNone {
		how := ""
		if !d.set[np] {
			how = " (the default)"
		}
		d.errorf(pp, "is false but natGateways is %s%s, and NAT gateways live in public subnets; set natGateways: none or publicSubnets: true", v.NATGateways, how)
	}

	// subnet masks
	masksOK := true
	mask := func(name string, dst *int, def int, used bool) {
		mp := join(p, name)
		if !d.set[mp] {
			masksOK = masksOK && !d.bad[mp]
			*dst = def
			return
		}
		switch {
		case !used:
			d.errorf(mp, "has no effect without public subnets; remove it or set publicSubnets: true")
		case *dst < minMask || *dst > maxMask:
			d.errorf(mp, "%d is out of range: use %d to %d", *dst, minMask, maxMask)
			masksOK = false
		case cidrOK && *dst < prefix.Bits():
			d.errorf(mp, "/%d is larger than the VPC %s: use %d or more", *dst, prefix, prefix.Bits())
			masksOK = false
		}
	}
	mask("publicSubnetMask", &v.PublicSubnetMask, defaultPublicSubnetMask, v.PublicSubnets || !natOK)
	mask("privateSubnetMask", &v.PrivateSubnetMask, defaultPrivateSubnetMask, true)

	d.validateEndpoints(p, v)
	d.validateFlowLogs(p, v)

	// the subnet plan
	if cidrOK && zonesOK && masksOK && natOK {
		azs := v.AvailabilityZones
		resolved := len(azs) == v.AZCount
		if !resolved {
			// the region is unknown: check that the plan fits all the same
			azs = make([]string, v.AZCount)
		}
		subnets, err := PlanSubnets(v.CIDR, azs, v.PublicSubnetMask, v.PrivateSubnetMask, v.PublicSubnets)
		if err != nil {
			d.errorf(p, "%s", err)
		} else if resolved {
			v.Subnets = subnets
		}
	}
	return prefix, cidrOK
}

// validateCIDR checks a VPC's CIDR and returns its prefix when valid.
func (d *decoder) validateCIDR(p, cidr string) (netip.Prefix, bool) {
	if !d.require(p, "cidr", "the VPC's IPv4 range, like 10.0.0.0/16") {
		return netip.Prefix{}, false
	}
	cp := join(p, "cidr")
	prefix, err := netip.ParsePrefix(cidr)
	switch {
	case err != nil || !prefix.Addr().Is4():
		d.errorf(cp, "%q is not a valid IPv4 CIDR, like 10.0.0.0/16", cidr)
	case prefix.Bits() < minMask || prefix.Bits() > maxMask:
		d.errorf(cp, "%q has a /%d prefix; AWS VPCs take /%d to /%d", cidr, prefix.Bits(), minMask, maxMask)
	case prefix.Masked() != prefix:
		d.errorf(cp, "%q is not a network address; did you mean %s", cidr, prefix.Masked())
	case !slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Contains(prefix.Addr()) }):
		d.errorf(cp, "%q is outside the private ranges of RFC 1918; use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", cidr)
	default:
		return prefix, true
	}
	return netip.Prefix{}, false
}

// validateZones checks azCount and availabilityZones and resolves the zone
// names. It reports whether AZCount is valid.
func (d *decoder) validateZones(p, region string, v *VPC) bool {
	cp, zp := join(p, "azCount"), join(p, "availabilityZones")
	if d.bad[cp] || d.bad[zp] {
		return false
	}
	letters, knownRegion := regionZones[region]
	countPath := cp
	if d.set[zp] {
		ok := true
		first := map[string]int{}
		for i, z := range v.AvailabilityZones {
			ip := item(zp, i)
			if d.bad[ip] {
				ok = false
				continue
			}
			if len(z) != len(region)+1 || !strings.HasPrefix(z, region) || z[len(z)-1] < 'a' || z[len(z)-1] > 'z' {
				d.errorf(ip, "%q is not an availability zone of %s: use the region name and one letter, like %sa", z, region, region)
				ok = false
				continue
			}
			if j, dup := first[z]; dup {
				d.errorf(ip, "duplicate availability zone %q; it is already availabilityZones[%d]", z, j)
				ok = false
				continue
			}
			first[z] = i
		}
		if d.set[cp] {
			if v.AZCount != len(v.AvailabilityZones) {
				d.errorf(zp, "lists %s but azCount is %d; make them match or drop azCount", plural(len(v.AvailabilityZones), "zone"), v.AZCount)
				return false
			}
		} else {
			v.AZCount = len(v.AvailabilityZones)
			countPath = zp
		}
		if !ok {
			return false
		}
	} else if !d.set[cp] {
		v.AZCount = defaultAZCount
	}

	inRange := v.AZCount >= minAZCount && v.AZCount <= maxAZCount
	fits := !knownRegion || v.AZCount <= len(letters)
	switch {
	case !inRange && countPath == cp:
		d.errorf(cp, "%d is out of range: use %d to %d", v.AZCount, minAZCount, maxAZCount)
	case !inRange:
		d.errorf(zp, "lists %s; list %d to %d", plural(v.AZCount, "zone"), minAZCount, maxAZCount)
	case !fits && countPath == cp:
		d.errorf(cp, "%d is more than the %d availability zones %s offers: use at most %d", v.AZCount, len(letters), region, len(letters))
	case !fits:
		d.errorf(zp, "lists %d zones, more than the %d availability zones %s offers", v.AZCount, len(letters), region)
	}
	if !inRange || !fits {
		return false
	}
	if knownRegion && !d.set[zp] {
		v.AvailabilityZones = make([]string, v.AZCount)
		for i := range v.AZCount {
			v.AvailabilityZones[i] = region + letters[i:i+1]
		}
	}
	return true
}

func (d *decoder) validateEndpoints(p string, v *VPC) {
	ep := join(p, "interfaceEndpoints")
	first := map[string]int{}
	for i, e := range v.InterfaceEndpoints {
		ip := item(ep, i)
		if d.bad[ip] {
			continue
		}
		if !slices.Contains(interfaceEndpoints, e) {
			d.errorf(ip, "%q is not a supported interface endpoint; use one of %s", e, strings.Join(interfaceEndpoints, ", "))
			continue
		}
		if j, dup := first[e]; dup {
			d.errorf(ip, "duplicate interface endpoint %q; it is already interfaceEndpoints[%d]", e, j)
			continue
		}
		first[e] = i
	}
	// Session Manager runs in every account with a VPC: its endpoints are
	// always there, so instances in isolated subnets are managed without NAT.
	v.InterfaceEndpoints = slices.Clone(v.InterfaceEndpoints) // an alias may share the list
	if d.lean && v.NATGateways != NATNone {
		return // lean: with NAT, the agent reaches Systems Manager through it
	}
	for _, e := range SessionManagerEndpoints {
		if !slices.Contains(v.InterfaceEndpoints, e) {
			v.InterfaceEndpoints = append(v.InterfaceEndpoints, e)
		}
	}
}

// SessionManagerEndpoints are the interface endpoints every VPC gets, listed
// or not: what the SSM agent, Session Manager's encryption and its
// CloudWatch transcripts need without a route to the internet.
var SessionManagerEndpoints = []string{"ssm", "ssmmessages", "ec2messages", "kms", "logs"}

func (d *decoder) validateFlowLogs(p string, v *VPC) {
	fp := join(p, "flowLogs")
	cw, rp := join(fp, "cloudWatch"), join(fp, "retentionDays")
	if d.bad[cw] || !d.set[rp] {
		if v.FlowLogs.CloudWatch {
			v.FlowLogs.RetentionDays = defaultRetentionDays
		}
		return
	}
	if !v.FlowLogs.CloudWatch {
		d.errorf(rp, "applies only to the CloudWatch copy of the flow logs; set cloudWatch: true or remove retentionDays")
		return
	}
	if !slices.Contains(retentionDays, v.FlowLogs.RetentionDays) {
		d.errorf(rp, "%d days is not a retention CloudWatch Logs accepts; use one of %s", v.FlowLogs.RetentionDays, retentionList())
	}
}

func (d *decoder) validateLogging(l *Logging) {
	ap := "logging.archive"
	if l.Archive.GlacierTransitionDays == 0 && !d.set[join(ap, "glacierTransitionDays")] {
		l.Archive.GlacierTransitionDays = defaultGlacierDays
	}
	if g := l.Archive.GlacierTransitionDays; g < 1 {
		d.errorf(join(ap, "glacierTransitionDays"), "%d is not a number of days; use 1 or more", g)
	}
	if e := l.Archive.ExpirationDays; e < 0 || (e > 0 && e <= l.Archive.GlacierTransitionDays) {
		d.errorf(join(ap, "expirationDays"), "%d must be 0 (keep logs for ever) or more than glacierTransitionDays (%d)", e, l.Archive.GlacierTransitionDays)
	}
	if lp := join(ap, "objectLock"); d.set[lp] {
		mode := strings.ToUpper(l.Archive.ObjectLockMode)
		if !slices.Contains(objectLockModes, strings.ToLower(mode)) {
			d.errorf(join(lp, "mode"), "%q is not an Object Lock mode; use governance or compliance", l.Archive.ObjectLockMode)
		}
		l.Archive.ObjectLockMode = mode
		if days := l.Archive.ObjectLockDays; days < 1 || days > maxObjectLockDays {
			d.errorf(join(lp, "days"), "%d is not a retention in days; use 1 to %d", days, maxObjectLockDays)
		} else if e := l.Archive.ExpirationDays; e > 0 && e < days {
			d.errorf(join(ap, "expirationDays"), "%d is shorter than the Object Lock retention (%d days): locked logs cannot expire; raise expirationDays or lower objectLock.days", e, days)
		}
	}
	first := map[string]int{}
	for i, g := range l.ForwardLogGroups {
		ip := item("logging.forwardLogGroups", i)
		if !logGroupRE.MatchString(g) || reservedLogGroupRE.MatchString(g) {
			d.errorf(ip, "%q is not a CloudWatch log group name: use 1 to 512 of letters, digits and . - _ / #, not starting with aws/", g)
			continue
		}
		if j, dup := first[g]; dup {
			d.errorf(ip, "duplicate log group %q; it is already forwardLogGroups[%d]", g, j)
			continue
		}
		first[g] = i
	}
	if n := len(l.ForwardLogGroups); n > maxForwardLogGroups {
		d.errorf("logging.forwardLogGroups", "%d log groups are more than the %d palisade forwards: each is named in a guardrail SCP, which AWS limits to 5,120 characters", n, maxForwardLogGroups)
	} else if chars := len(strings.Join(l.ForwardLogGroups, "")); chars > maxForwardLogGroupChars {
		d.errorf("logging.forwardLogGroups", "the log group names are %d characters together, more than the %d palisade forwards: each is named in a guardrail SCP, which AWS limits to 5,120 characters", chars, maxForwardLogGroupChars)
	}
	if !d.set["logging.trail.cloudWatchLogs"] {
		l.Trail.CloudWatchLogs = defaultTrailCloudWatchLogs
	}
	rp := "logging.logGroupRetentionDays"
	if !d.set[rp] {
		l.LogGroupRetentionDays = defaultRetentionDays
	} else if !slices.Contains(retentionDays, l.LogGroupRetentionDays) {
		d.errorf(rp, "%d days is not a retention CloudWatch Logs accepts; use one of %s", l.LogGroupRetentionDays, retentionList())
	}
}

var (
	// standards are the Security Hub standards palisade can enable.
	standards = []string{
		"aws-foundational-security-best-practices/v/1.0.0",
		"cis-aws-foundations-benchmark/v/1.4.0",
		"cis-aws-foundations-benchmark/v/3.0.0",
		"nist-800-53/v/5.0.0",
		"pci-dss/v/3.2.1",
		"pci-dss/v/4.0.1",
		"aws-resource-tagging-standard/v/1.0.0",
	}
	defaultStandards  = []string{standards[0], standards[2]}
	severities        = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	defaultSeverity   = "HIGH"
	guardDutyFeatures = []string{
		"S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING", "EKS_AUDIT_LOGS", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS",
	}
	defaultGuardDutyFeatures = []string{"S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"}
	controlIDRE              = regexp.MustCompile(`^[A-Za-z0-9]+\.[0-9]+$`)
	policyTargetRE           = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
)

func (d *decoder) validateSecurity(sec *Detection) {
	const sp = "security"
	if !d.set[join(sp, "standards")] {
		sec.Standards = slices.Clone(defaultStandards)
	}
	d.uniqueOf(join(sp, "standards"), sec.Standards, standards, "Security Hub standard")
	for id, reason := range sec.DisabledControls {
		cp := regionPath(join(sp, "disabledControls"), id)
		if !controlIDRE.MatchString(id) {
			d.errorf(cp, "%q is not a Security Hub control id such as IAM.6 or EC2.10", id)
		}
		if len(strings.TrimSpace(reason)) < 10 {
			d.errorf(cp, "the reason %q is too short: say why this control is off in this org", reason)
		}
	}
	for i, t := range sec.PolicyTargets {
		if !policyTargetRE.MatchString(t) {
			d.errorf(item(join(sp, "policyTargets"), i), "%q is not an organization root id (r-...) or OU id (ou-...-...)", t)
		}
	}
	if !d.set[join(sp, "alertSeverity")] {
		sec.AlertSeverity = defaultSeverity
	} else if up := strings.ToUpper(sec.AlertSeverity); slices.Contains(severities, up) {
		sec.AlertSeverity = up
	} else {
		d.errorf(join(sp, "alertSeverity"), "%q is not a severity; use one of %s", sec.AlertSeverity, strings.Join(severities, ", "))
	}
	for i, e := range sec.AlertEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			d.errorf(item(join(sp, "alertEmails"), i), "%q is not an email address such as security@example.com", e)
		}
	}
	if !d.set[join(sp, "guardDutyFeatures")] {
		sec.GuardDutyFeatures = slices.Clone(defaultGuardDutyFeatures)
	}
	d.uniqueOf(join(sp, "guardDutyFeatures"), sec.GuardDutyFeatures, guardDutyFeatures, "GuardDuty feature")
	ip := join(sp, "inspector")
	d.uniqueOf(ip, sec.Inspector, inspectorTypes, "scan type (Amazon Inspector)")
	if slices.Contains(sec.Inspector, "LAMBDA_CODE") && !slices.Contains(sec.Inspector, "LAMBDA") {
		d.errorf(ip, "lists LAMBDA_CODE without LAMBDA: Lambda code scans need Lambda scans; add LAMBDA")
	}
}

// inspectorTypes are Amazon Inspector's scan types.
var inspectorTypes = []string{"EC2", "ECR", "LAMBDA", "LAMBDA_CODE"}

// uniqueOf reports every item of list at path that is not one of allowed, or
// that repeats an earlier one.
func (d *decoder) uniqueOf(path string, list, allowed []string, what string) {
	first := map[string]int{}
	for i, v := range list {
		ip := item(path, i)
		if !slices.Contains(allowed, v) {
			d.errorf(ip, "%q is not a %s palisade knows; use one of %s", v, what, strings.Join(allowed, ", "))
			continue
		}
		if j, dup := first[v]; dup {
			d.errorf(ip, "duplicate %s %q; it is already item %d", what, v, j)
			continue
		}
		first[v] = i
	}
}

func retentionList() string {
	days := make([]string, len(retentionDays))
	for i, n := range retentionDays {
		days[i] = strconv.Itoa(n)
	}
	return strings.Join(days, ", ")
}

// plural formats a count of things: "1 zone", "2 zones".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
