// Package cost reads a synthesized cloud assembly and prices what its
// templates create: the fixed monthly charges that follow from the resources
// alone (NAT gateways, public IPv4 addresses, interface endpoints, KMS keys,
// alarms, instances and their volumes), per account and region, and the
// usage-based charges that depend on traffic the templates cannot show,
// listed with their unit prices. Prices come from a dated PriceTable
// (prices.json); an item the table cannot price is reported as unpriced,
// never as zero. With the org's plan (ReportPlan) it also sums the fixed
// charges per stack purpose. Pure Go: no CDK, no network.
package cost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/deployplan"
)

// Estimate is the priced assembly. (Not named Report: that is the function
// that makes one.)
type Estimate struct {
	Prices   PriceTable
	Envs     []*Env         // sorted by account, then region
	Accounts []AccountTotal // sorted by account
	Total    float64        // priced fixed charges, $/month
	Unpriced int            // fixed lines without a price
	Usage    []UsageLine    // in the price table's order
	// Purposes sums the fixed charges per stack purpose of the org's plan
	// (ReportPlan; nil from Report), in the plan's order.
	Purposes []PurposeTotal
}

// PurposeTotal sums the stacks of one purpose of the plan.
type PurposeTotal struct {
	Purpose  string
	Stacks   int
	Total    float64
	Unpriced int
}

// Env is one account and region: what its stacks create and cost.
type Env struct {
	Account, Region string
	Stacks          []string
	Lines           []Line // in the order of the item kinds below
	Total           float64
}

// Line is one fixed charge in an account and region.
type Line struct {
	Item      string   // what is counted: "NAT gateways", "EC2 c7g.medium"
	Count     int      // resources in the templates
	Quantity  float64  // billable units per hour or month: AZ-endpoints, GB, alarm metrics
	Unit      string   // the unit price's unit
	UnitPrice *float64 // nil: unpriced
	Hourly    bool     // the unit price is per hour: monthly = quantity x price x hours per month
	Per       string   // the unit price's period for display: "/hour", "/month", "/GB-month"
	Monthly   float64  // $/month; 0 when unpriced
	Source    string   // the pricing page, for unpriced lines
	Note      string
}

// Priced reports whether the line has a price.
func (l Line) Priced() bool { return l.UnitPrice != nil }

// AccountTotal sums one account's regions.
type AccountTotal struct {
	Account  string
	Total    float64
	Unpriced int
}

// UsageLine is a usage-based item the assembly triggers, with how many
// resources trigger it.
type UsageLine struct {
	UsageItem
	Resources int
}

// Report prices the cloud assembly in assemblyDir with prices.
func Report(assemblyDir string, prices PriceTable) (*Estimate, error) {
	return report(assemblyDir, prices, nil)
}

// ReportPlan is Report of an assembly synthesized from the org whose plan
// is plan: every stack of the assembly must be one of the plan's (else it
// was synthesized from another org file, an error), and the estimate also
// sums the fixed charges per purpose (Purposes).
func ReportPlan(assemblyDir string, prices PriceTable, plan *deployplan.Plan) (*Estimate, error) {
	return report(assemblyDir, prices, plan)
}

func report(assemblyDir string, prices PriceTable, plan *deployplan.Plan) (*Estimate, error) {
	stacks, err := readAssembly(assemblyDir)
	if err != nil {
		return nil, err
	}
	var byPurpose counts // what the stacks of each purpose create; its types are not read
	purposeStacks := map[string]int{}
	if plan != nil {
		for _, s := range stacks {
			p, ok := plan.Stack(s.name)
			if !ok {
				return nil, fmt.Errorf("stack %s is not in the plan of %s: price the assembly synthesized from that org file", s.name, plan.Org.Source)
			}
			byPurpose.add(p.Purpose, s)
			purposeStacks[p.Purpose]++
		}
	}
	r := &Estimate{Prices: prices}
	envs := map[string]*Env{}
	var counter counts
	for _, s := range stacks {
		key := s.account + "/" + s.region
		e := envs[key]
		if e == nil {
			e = &Env{Account: s.account, Region: s.region}
			envs[key] = e
			r.Envs = append(r.Envs, e)
		}
		e.Stacks = append(e.Stacks, s.name)
		counter.add(key, s)
	}
	slices.SortFunc(r.Envs, func(a, b *Env) int {
		return strings.Compare(a.Account+"/"+a.Region, b.Account+"/"+b.Region)
	})

	accounts := map[string]*AccountTotal{}
	for _, e := range r.Envs {
		e.Lines = counter.lines(e.Account+"/"+e.Region, prices)
		for _, l := range e.Lines {
			e.Total += l.Monthly
		}
		a := accounts[e.Account]
		if a == nil {
			r.Accounts = append(r.Accounts, AccountTotal{Account: e.Account})
			a = &r.Accounts[len(r.Accounts)-1]
			accounts[e.Account] = a
		}
		a.Total += e.Total
		for _, l := range e.Lines {
			if !l.Priced() {
				a.Unpriced++
				r.Unpriced++
			}
		}
		r.Total += e.Total
	}

	if plan != nil {
		for _, s := range plan.Stacks {
			if purposeStacks[s.Purpose] == 0 || slices.ContainsFunc(r.Purposes, func(t PurposeTotal) bool { return t.Purpose == s.Purpose }) {
				continue
			}
			t := PurposeTotal{Purpose: s.Purpose, Stacks: purposeStacks[s.Purpose]}
			for _, l := range byPurpose.lines(s.Purpose, prices) {
				t.Total += l.Monthly
				if !l.Priced() {
					t.Unpriced++
				}
			}
			r.Purposes = append(r.Purposes, t)
		}
	}

	for _, u := range prices.Usage {
		n := 0
		for _, t := range u.Triggers {
			n += counter.types[t]
		}
		if n > 0 {
			r.Usage = append(r.Usage, UsageLine{UsageItem: u, Resources: n})
		}
	}
	return r, nil
}

// counts holds what the templates create, per account/region key.
type counts struct {
	envs  map[string]*envCounts
	types map[string]int // resource type (and Custom::AWS:<service>) -> count in the assembly
}

type envCounts struct {
	natGateways        int
	eips               int
	interfaceEndpoints int
	interfaceAZs       int
	endpointsNoSubnets int // interface endpoints whose SubnetIds the template does not list
	gatewayEndpoints   int
	kmsKeys            int
	alarmsStandard     int // alarms
	alarmMetricsStd    int // and the alarm metrics they bill for
	alarmsHighRes      int
	alarmMetricsHigh   int
	compositeAlarms    int
	instances          map[string]int // instance type ("" when not stated) -> count
	volumes            map[volumeKey]int
}

type volumeKey struct {
	volumeType string // "" when not stated
	sizeGB     int    // 0 when not stated
}

func (c *counts) add(key string, s *stack) {
	if c.envs == nil {
		c.envs, c.types = map[string]*envCounts{}, map[string]int{}
	}
	e := c.envs[key]
	if e == nil {
		e = &envCounts{instances: map[string]int{}, volumes: map[volumeKey]int{}}
		c.envs[key] = e
	}
	for _, id := range s.sortedIDs() {
		r := s.resources[id]
		for _, t := range r.types() {
			c.types[t]++
		}
		p := r.Properties
		switch r.Type {
		case "AWS::EC2::NatGateway":
			e.natGateways++
		case "AWS::EC2::EIP":
			e.eips++
		case "AWS::EC2::VPCEndpoint":
			// CloudFormation's default endpoint type is Gateway.
			switch str(p["VpcEndpointType"]) {
			case "", "Gateway":
				e.gatewayEndpoints++
			default: // Interface, GatewayLoadBalancer, Resource, ServiceNetwork: billed per AZ-hour
				e.interfaceEndpoints++
				if subnets, ok := p["SubnetIds"].([]any); ok && len(subnets) > 0 {
					e.interfaceAZs += len(subnets)
				} else {
					e.endpointsNoSubnets++
				}
			}
		case "AWS::KMS::Key", "AWS::KMS::ReplicaKey":
			e.kmsKeys++
		case "AWS::CloudWatch::Alarm":
			metrics := alarmMetrics(p)
			if period, ok := p["Period"].(float64); ok && period < 60 {
				e.alarmsHighRes++
				e.alarmMetricsHigh += metrics
			} else {
				e.alarmsStandard++
				e.alarmMetricsStd += metrics
			}
		case "AWS::CloudWatch::CompositeAlarm":
			e.compositeAlarms++
		case "AWS::EC2::Instance":
			t, volumes := instance(s, p)
			e.instances[t]++
			for _, v := range volumes {
				e.volumes[v]++
			}
		case "AWS::EC2::Volume":
			size, _ := p["Size"].(float64)
			e.volumes[volumeKey{str(p["VolumeType"]), int(size)}]++
		}
	}
}

// alarmMetrics is how many alarm metrics an alarm bills for: one for a
// single-metric alarm, one per metric a metric-math alarm reads.
func alarmMetrics(p map[string]any) int {
	ms, ok := p["Metrics"].([]any)
	if !ok {
		return 1
	}
	n := 0
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok && mm["MetricStat"] != nil {
			n++
		}
	}
	return max(n, 1)
}

// instance reads an instance's type and block devices from its properties
// and, where it names one in the same template, its launch template.
func instance(s *stack, p map[string]any) (string, []volumeKey) {
	t := str(p["InstanceType"])
	bdms, _ := p["BlockDeviceMappings"].([]any)
	if lt := launchTemplate(s, p["LaunchTemplate"]); lt != nil {
		if t == "" {
			t = str(lt["InstanceType"])
		}
		if len(bdms) == 0 {
			bdms, _ = lt["BlockDeviceMappings"].([]any)
		}
	}
	var volumes []volumeKey
	for _, b := range bdms {
		bm, _ := b.(map[string]any)
		ebs, ok := bm["Ebs"].(map[string]any)
		if !ok {
			continue // instance store or NoDevice
		}
		size, _ := ebs["VolumeSize"].(float64)
		volumes = append(volumes, volumeKey{str(ebs["VolumeType"]), int(size)})
	}
	if len(volumes) == 0 {
		volumes = append(volumes, volumeKey{}) // the AMI's root volume, size and type not in the template
	}
	return t, volumes
}

// launchTemplate resolves an instance's LaunchTemplate specification
// ({"LaunchTemplateId": {"Ref": id}} or Fn::GetAtt) to the LaunchTemplateData
// of that resource in the same template.
func launchTemplate(s *stack, spec any) map[string]any {
	m, _ := spec.(map[string]any)
	for _, k := range []string{"LaunchTemplateId", "LaunchTemplateName"} {
		var id string
		switch ref := m[k].(type) {
		case map[string]any:
			if r, ok := ref["Ref"].(string); ok {
				id = r
			} else if ga, ok := ref["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				id, _ = ga[0].(string)
			}
		}
		if r, ok := s.resources[id]; ok && r.Type == "AWS::EC2::LaunchTemplate" {
			data, _ := r.Properties["LaunchTemplateData"].(map[string]any)
			return data
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// lines prices one account and region, in a fixed order of item kinds.
func (c *counts) lines(key string, prices PriceTable) []Line {
	e := c.envs[key]
	var out []Line
	fixed := func(item string, count int, quantity float64, priceKey string, hourly bool, note string) {
		if count == 0 {
			return
		}
		p := prices.Fixed[priceKey]
		out = append(out, price(Line{Item: item, Count: count, Quantity: quantity, Hourly: hourly, Note: note}, p, prices.HoursPerMonth))
	}
	fixed("NAT gateways", e.natGateways, float64(e.natGateways), NATGatewayHour, true, "")
	fixed("Elastic IPs (public IPv4)", e.eips, float64(e.eips), PublicIPv4Hour, true, "")
	fixed("Interface endpoints", e.interfaceEndpoints-e.endpointsNoSubnets, float64(e.interfaceAZs), InterfaceEndpointAZHour, true,
		fmt.Sprintf("%d endpoint-AZs", e.interfaceAZs))
	if e.endpointsNoSubnets > 0 {
		out = append(out, Line{Item: "Interface endpoints, subnets not in template", Count: e.endpointsNoSubnets,
			Unit: prices.Fixed[InterfaceEndpointAZHour].Unit, Source: prices.Fixed[InterfaceEndpointAZHour].Source,
			Note: "AZ count unknown"})
	}
	fixed("Gateway endpoints", e.gatewayEndpoints, float64(e.gatewayEndpoints), GatewayEndpoint, false, "free")
	fixed("KMS keys", e.kmsKeys, float64(e.kmsKeys), KMSKeyMonth, false, "before rotation")
	fixed("CloudWatch alarms", e.alarmsStandard, float64(e.alarmMetricsStd), AlarmStandardMonth, false,
		fmt.Sprintf("%d alarm metrics", e.alarmMetricsStd))
	fixed("CloudWatch alarms, high resolution", e.alarmsHighRes, float64(e.alarmMetricsHigh), AlarmHighResolutionMonth, false,
		fmt.Sprintf("%d alarm metrics", e.alarmMetricsHigh))
	fixed("CloudWatch composite alarms", e.compositeAlarms, float64(e.compositeAlarms), CompositeAlarmMonth, false, "")

	types := make([]string, 0, len(e.instances))
	for t := range e.instances {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		n := e.instances[t]
		if t == "" {
			out = append(out, Line{Item: "EC2 instances, type not in template", Count: n, Quantity: float64(n), Hourly: true,
				Unit: "per instance-hour", Source: "https://aws.amazon.com/ec2/pricing/on-demand/", Note: "type unknown"})
			continue
		}
		p, ok := prices.Instances[t]
		if !ok {
			p = Price{Unit: "per instance-hour", Source: "https://aws.amazon.com/ec2/pricing/on-demand/"}
		}
		out = append(out, price(Line{Item: "EC2 " + t, Count: n, Quantity: float64(n), Hourly: true}, p, prices.HoursPerMonth))
	}

	vols := make([]volumeKey, 0, len(e.volumes))
	for v := range e.volumes {
		vols = append(vols, v)
	}
	slices.SortFunc(vols, func(a, b volumeKey) int {
		if c := strings.Compare(a.volumeType, b.volumeType); c != 0 {
			return c
		}
		return a.sizeGB - b.sizeGB
	})
	for _, v := range vols {
		n := e.volumes[v]
		switch {
		case v.volumeType == "gp3" && v.sizeGB > 0:
			out = append(out, price(Line{Item: fmt.Sprintf("EBS gp3 %d GB", v.sizeGB), Count: n, Quantity: float64(n * v.sizeGB), Per: "/GB-month",
				Note: fmt.Sprintf("%d GB", n*v.sizeGB)}, prices.Fixed[EBSGp3GBMonth], prices.HoursPerMonth))
		default:
			item, note := "EBS volumes, size or type not in template", "root volume from the AMI"
			if v.volumeType != "" || v.sizeGB > 0 {
				item, note = fmt.Sprintf("EBS %s %d GB", orDash(v.volumeType), v.sizeGB), "type not in the price table"
			}
			out = append(out, Line{Item: item, Count: n, Unit: "per GB-month", Source: "https://aws.amazon.com/ebs/pricing/", Note: note})
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// price fills a line's unit price and monthly charge from p; without a price
// the line stays unpriced and names the page to read it from.
func price(l Line, p Price, hoursPerMonth float64) Line {
	l.Unit, l.Source = p.Unit, p.Source
	if l.Per == "" {
		l.Per = "/month"
		if l.Hourly {
			l.Per = "/hour"
		}
	}
	if p.Price == nil {
		return l
	}
	l.UnitPrice = p.Price
	l.Monthly = l.Quantity * *p.Price
	if l.Hourly {
		l.Monthly *= hoursPerMonth
	}
	return l
}
